// The host-call benchmark in Go (a port of guest/src/dapr-get-loop.ts): N
// state GETs through the ABI, nothing else.
//
//	argv: go-dapr-get-loop.wasm [N=2000] [KEY=weapon] [STORE=statestore]
//	exit: 0 after printing "done N" | 1 on the first failed GET | 2 on a bad N
package main

import (
	"fmt"
	"os"
	"strconv"

	"wasi-operator.dev/guest/dapr"
)

func arg(i int, fallback string) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return fallback
}

func main() {
	count, err := strconv.Atoi(arg(1, "2000"))
	if err != nil || count < 0 {
		fmt.Fprintf(os.Stderr, "dapr-get-loop: N must be a non-negative integer, got %s\n", arg(1, ""))
		os.Exit(2)
	}
	key, store := arg(2, "weapon"), arg(3, "statestore")
	client := dapr.NewClient()
	for i := range count {
		if _, err := client.GetState(store, key); err != nil {
			fmt.Fprintf(os.Stderr, "dapr-get-loop: GET %d of %d: %v\n", i+1, count, err)
			os.Exit(1)
		}
	}
	fmt.Printf("done %d\n", count)
}
