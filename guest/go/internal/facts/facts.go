// Package facts is how the test guests report: one `key:value` line per
// fact on stdout, which the host's tests read back (test/helpers/wasi-host.ts
// factsOf), and one way to print a failed Dapr call.
package facts

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"wasi-operator.dev/guest/dapr"
	"wasi-operator.dev/guest/wasihttp"
)

// escaper keeps a value on one line: a body or an error message may hold
// line breaks, which would split the fact.
var escaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)

// Print writes `key:value` with the value's \, LF and CR escaped.
func Print(key, value string) {
	fmt.Println(key + ":" + escaper.Replace(value))
}

// Fail prints what went wrong with a call of `block` and exits 1:
// `<block>:error:<status>:<errorCode>:<message>`, and before it
// `<block>:http-code:<n>` when the exchange itself failed (an ABI code).
func Fail(block string, err error) {
	var code wasihttp.Code
	if errors.As(err, &code) {
		Print(block+":http-code", strconv.Itoa(int(code)))
	}
	var de *dapr.Error
	if errors.As(err, &de) {
		Print(block+":error", fmt.Sprintf("%d:%s:%s", de.Status, de.ErrorCode, de.Message))
	} else {
		Print(block+":error", "0::"+err.Error())
	}
	os.Exit(1)
}

// Usage prints a usage error on stderr and exits 2.
func Usage(text string) {
	fmt.Fprintln(os.Stderr, "usage: "+text)
	os.Exit(2)
}

// Metadata collects `meta.<key>=<value>` arguments; the others are returned in order.
func Metadata(args []string) (metadata map[string]string, rest []string) {
	metadata = map[string]string{}
	for _, arg := range args {
		if kv, ok := strings.CutPrefix(arg, "meta."); ok {
			if key, value, ok := strings.Cut(kv, "="); ok {
				metadata[key] = value
				continue
			}
		}
		rest = append(rest, arg)
	}
	return metadata, rest
}
