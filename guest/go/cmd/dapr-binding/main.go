// Calls an output binding through the sidecar (bindings building block).
//
//	argv: go-dapr-binding.wasm NAME OPERATION DATA [meta.KEY=VALUE...]
//	      DATA "-" sends none; JSON DATA is sent as that JSON, anything else as a string
//	out:  "binding:ok", "binding-data:<answer>", "binding-meta:<key>=<value>" (sorted);
//	      or "binding:error:<status>:<errorCode>:<message>"
//	exit: 0 | 1 refused | 2 usage
package main

import (
	"encoding/json"
	"os"
	"slices"

	"wasi-operator.dev/guest/dapr"
	"wasi-operator.dev/guest/internal/facts"
)

func main() {
	metadata, args := facts.Metadata(os.Args[1:])
	if len(args) < 3 {
		facts.Usage("go-dapr-binding.wasm NAME OPERATION DATA [meta.KEY=VALUE...]")
	}
	req := dapr.BindingRequest{Operation: args[1], Metadata: metadata}
	switch data := args[2]; {
	case data == "-":
	case json.Valid([]byte(data)):
		req.Data = json.RawMessage(data)
	default:
		req.Data = data
	}
	resp, err := dapr.NewClient().InvokeBinding(args[0], req)
	if err != nil {
		facts.Fail("binding", err)
	}
	facts.Print("binding", "ok")
	facts.Print("binding-data", string(resp.Data))
	keys := make([]string, 0, len(resp.Metadata))
	for key := range resp.Metadata {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		facts.Print("binding-meta", key+"="+resp.Metadata[key])
	}
}
