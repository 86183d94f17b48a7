// Reads secrets through the sidecar (secrets building block).
//
//	argv: go-dapr-secret.wasm STORE KEY... | STORE --bulk
//	out:  "secret:<name>=<value>" per value of each KEY (sorted by name);
//	      with --bulk "secret-count:<n>" and the values of every secret;
//	      or "secret:error:<status>:<errorCode>:<message>"
//	exit: 0 | 1 refused | 2 usage
package main

import (
	"os"
	"slices"
	"strconv"

	"wasi-operator.dev/guest/dapr"
	"wasi-operator.dev/guest/internal/facts"
)

func printValues(secret map[string]string) {
	names := make([]string, 0, len(secret))
	for name := range secret {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		facts.Print("secret", name+"="+secret[name])
	}
}

func main() {
	if len(os.Args) < 3 {
		facts.Usage("go-dapr-secret.wasm STORE KEY... | STORE --bulk")
	}
	store := os.Args[1]
	client := dapr.NewClient()
	if os.Args[2] == "--bulk" {
		all, err := client.GetBulkSecret(store, nil)
		if err != nil {
			facts.Fail("secret", err)
		}
		facts.Print("secret-count", strconv.Itoa(len(all)))
		keys := make([]string, 0, len(all))
		for key := range all {
			keys = append(keys, key)
		}
		slices.Sort(keys)
		for _, key := range keys {
			printValues(all[key])
		}
		return
	}
	for _, key := range os.Args[2:] {
		secret, err := client.GetSecret(store, key, nil)
		if err != nil {
			facts.Fail("secret", err)
		}
		printValues(secret)
	}
}
