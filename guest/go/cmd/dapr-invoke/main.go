// Calls a method of an app through the sidecar (service invocation).
//
//	argv: go-dapr-invoke.wasm APP_ID METHOD [HTTP_METHOD=GET] [DATA] [CONTENT_TYPE=application/json]
//	out:  "invoke-status:<n>", "invoke-content-type:<type>", "invoke-body:<body>";
//	      or "invoke:error:<status>:<errorCode>:<message>"
//	exit: 0 | 1 refused (the app's or Dapr's non-2xx answer) | 2 usage
package main

import (
	"os"
	"strconv"

	"wasi-operator.dev/guest/dapr"
	"wasi-operator.dev/guest/internal/facts"
)

func arg(i int, fallback string) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return fallback
}

func main() {
	if len(os.Args) < 3 {
		facts.Usage("go-dapr-invoke.wasm APP_ID METHOD [HTTP_METHOD] [DATA] [CONTENT_TYPE]")
	}
	req := &dapr.InvokeRequest{HTTPMethod: arg(3, "GET")}
	if len(os.Args) > 4 {
		req.Data = []byte(os.Args[4])
		req.ContentType = arg(5, "application/json")
	}
	resp, err := dapr.NewClient().InvokeMethod(os.Args[1], os.Args[2], req)
	if err != nil {
		facts.Fail("invoke", err)
	}
	facts.Print("invoke-status", strconv.Itoa(resp.Status))
	facts.Print("invoke-content-type", resp.ContentType)
	facts.Print("invoke-body", string(resp.Data))
}
