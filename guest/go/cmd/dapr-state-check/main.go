// Walks the whole Dapr state client against a real sidecar (a port of
// guest/src/tests/dapr-client-check.ts): a missing key, ETags (accepted and
// stale), a value that is not JSON, bulk save and get, a transaction,
// deletes with and without an ETag and an unknown store. The seed's test
// covers only save and get; this covers the rest.
//
//	argv: go-dapr-state-check.wasm [STORE=statestore] [PREFIX=go-state-check]
//	      (keys used: PREFIX-1, PREFIX-2, PREFIX-3, PREFIX-missing)
//	out:  "ok:<step>" per step, or "fail:<step>: <what>"; then
//	      "state check passed" | "state check failed"
//	exit: 0 when every step passed | 1 otherwise
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"wasi-operator.dev/guest/dapr"
)

var failures int

func check(step string, passed bool, detail string) {
	if passed {
		fmt.Println("ok:" + step)
		return
	}
	failures++
	fmt.Println("fail:" + step + ": " + detail)
}

func noError(step string, err error) {
	check(step, err == nil, fmt.Sprint(err))
}

// rejected: Dapr itself refused (an HTTP status >= 400), not the guest.
func rejected(step string, err error) {
	var de *dapr.Error
	check(step, errors.As(err, &de) && de.Status >= 400, fmt.Sprintf("expected Dapr to refuse, got %v", err))
}

type counter struct {
	N int `json:"n"`
}

func counterOf(value json.RawMessage) int {
	var c counter
	if json.Unmarshal(value, &c) != nil {
		return -1
	}
	return c.N
}

func stringOf(value json.RawMessage) string {
	var s string
	if json.Unmarshal(value, &s) != nil {
		return "(not a JSON string: " + string(value) + ")"
	}
	return s
}

func arg(i int, fallback string) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return fallback
}

func found(c *dapr.Client, store, key string) bool {
	st, err := c.GetState(store, key)
	return err != nil || st.Found // an error counts as "still there": the step fails
}

func main() {
	store, prefix := arg(1, "statestore"), arg(2, "go-state-check")
	k1, k2, k3, missing := prefix+"-1", prefix+"-2", prefix+"-3", prefix+"-missing"
	c := dapr.NewClient()

	noError("clean-up", c.Transaction(store, dapr.Delete(k1, ""), dapr.Delete(k2, ""), dapr.Delete(k3, "")))

	absent, err := c.GetState(store, missing)
	check("get-missing", err == nil && !absent.Found, fmt.Sprintf("expected not found, got %+v %v", absent, err))

	noError("save", c.SaveState(store, k1, counter{N: 1}))
	first, err := c.GetState(store, k1)
	check("get-with-etag", err == nil && first.Found && counterOf(first.Value) == 1 && first.ETag != "",
		fmt.Sprintf("got %+v %v", first, err))
	etag1 := "1"
	if first != nil && first.ETag != "" {
		etag1 = first.ETag
	}

	noError("save-with-etag", c.SaveBulkState(store, dapr.StateItem{Key: k1, Value: counter{N: 2}, ETag: etag1}))
	rejected("save-with-stale-etag", c.SaveBulkState(store, dapr.StateItem{Key: k1, Value: counter{N: 3}, ETag: etag1}))
	notJSON := c.SaveState(store, k1, json.RawMessage("not json"))
	var de *dapr.Error
	check("invalid-json-refused", errors.As(notJSON, &de) && de.Status == 0, fmt.Sprintf("a value that is not JSON was sent: %v", notJSON))

	noError("save-bulk", c.SaveBulkState(store, dapr.StateItem{Key: k2, Value: "two"}, dapr.StateItem{Key: k3, Value: []int{1, 2}}))
	items, err := c.GetBulkState(store, []string{k1, k2, k3, missing}, 0)
	if err != nil || len(items) != 4 {
		check("get-bulk", false, fmt.Sprintf("%d items, %v", len(items), err))
	} else {
		check("get-bulk",
			items[0].Key == k1 && counterOf(items[0].Value) == 2 && items[0].ETag != "" &&
				items[1].Key == k2 && stringOf(items[1].Value) == "two" &&
				items[2].Key == k3 && string(items[2].Value) == "[1,2]" &&
				items[3].Key == missing && !items[3].Found,
			fmt.Sprintf("got %s, %s, %s, found=%v", items[0].Value, items[1].Value, items[2].Value, items[3].Found))
	}

	noError("transaction", c.Transaction(store, dapr.Upsert(k2, "deux", ""), dapr.Delete(k3, "")))
	deux, err := c.GetState(store, k2)
	check("transaction-upserted", err == nil && deux.Found && stringOf(deux.Value) == "deux", fmt.Sprintf("got %+v %v", deux, err))
	check("transaction-deleted", !found(c, store, k3), k3+" still exists")

	current, err := c.GetState(store, k1)
	if err != nil {
		current = &dapr.State{}
	}
	rejected("delete-with-stale-etag", c.DeleteState(store, k1, etag1))
	noError("delete-with-etag", c.DeleteState(store, k1, current.ETag))
	check("deleted", !found(c, store, k1), k1+" still exists")
	noError("delete-without-etag", c.DeleteState(store, k2, ""))

	unknown := c.SaveState(store+"-does-not-exist", k1, 1)
	check("unknown-store", errors.As(unknown, &de) && de.ErrorCode == "ERR_STATE_STORE_NOT_FOUND", fmt.Sprintf("got %v", unknown))

	if failures > 0 {
		fmt.Println("state check failed")
		os.Exit(1)
	}
	fmt.Println("state check passed")
}
