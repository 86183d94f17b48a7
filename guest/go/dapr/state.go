package dapr

import (
	"encoding/json"
	"strconv"
)

// StateItem is one key to save. Value is encoded as JSON (a
// json.RawMessage as the JSON text it holds).
type StateItem struct {
	Key   string
	Value any
	// ETag, when set, saves only if the stored version still has it.
	ETag string
	// Metadata is passed to the state store, e.g. {"ttlInSeconds": "60"}.
	Metadata map[string]string
}

// State is what GetState found.
type State struct {
	Key string
	// Found is false when Dapr answered 204: the key does not exist (not an error).
	Found bool
	// Value is the stored JSON text; nil when not found.
	Value json.RawMessage
	ETag  string
}

// Decode unmarshals the stored JSON into v.
func (s *State) Decode(v any) error { return json.Unmarshal(s.Value, v) }

// BulkState is one key of GetBulkState's answer.
type BulkState struct {
	Key   string
	Found bool
	Value json.RawMessage
	ETag  string
	// Error is Dapr's per-key error, e.g. when the store failed for this key only.
	Error string
}

// TransactionOp is one operation of a Transaction; build it with Upsert or Delete.
type TransactionOp struct {
	Operation string
	Key       string
	Value     any
	ETag      string
}

// Upsert saves key; with a non-empty etag only if the stored version still has it.
func Upsert(key string, value any, etag string) TransactionOp {
	return TransactionOp{Operation: "upsert", Key: key, Value: value, ETag: etag}
}

// Delete removes key; with a non-empty etag only if the stored version still has it.
func Delete(key, etag string) TransactionOp {
	return TransactionOp{Operation: "delete", Key: key, ETag: etag}
}

// An ETag only protects a write when first-write concurrency is asked for
// (with last-write a store may ignore it), so a write with an ETag says so.
type stateOptions struct {
	Concurrency string `json:"concurrency"`
}

var firstWrite = &stateOptions{Concurrency: "first-write"}

// stateEntry is the wire form of a saved item and of a transaction's request.
// Value is a pointer so that a delete sends no value at all, while a saved
// nil is sent as JSON null.
type stateEntry struct {
	Key      string            `json:"key"`
	Value    *json.RawMessage  `json:"value,omitempty"`
	ETag     string            `json:"etag,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
	Options  *stateOptions     `json:"options,omitempty"`
}

func newStateEntry(key string, value any, withValue bool, etag string, metadata map[string]string) (stateEntry, error) {
	e := stateEntry{Key: key, ETag: etag, Metadata: metadata}
	if withValue {
		raw, err := encodeJSON(value)
		if err != nil {
			return e, &valueError{key: key, err: err}
		}
		msg := json.RawMessage(raw)
		e.Value = &msg
	}
	if etag != "" {
		e.Options = firstWrite
	}
	return e, nil
}

type valueError struct {
	key string
	err error
}

func (e *valueError) Error() string {
	return "the value for key " + strconv.Quote(e.key) + " is not JSON: " + e.err.Error()
}
func (e *valueError) Unwrap() error { return e.err }

func (c *Client) stateURL(store string, more ...string) string {
	return c.pathURL(append([]string{"v1.0", "state", store}, more...)...)
}

// SaveState saves one key (POST /v1.0/state/<store>).
func (c *Client) SaveState(store, key string, value any) error {
	return c.SaveBulkState(store, StateItem{Key: key, Value: value})
}

// SaveBulkState saves several keys in one request.
func (c *Client) SaveBulkState(store string, items ...StateItem) error {
	op := "save state " + store
	entries := make([]stateEntry, 0, len(items))
	for _, item := range items {
		e, err := newStateEntry(item.Key, item.Value, true, item.ETag, item.Metadata)
		if err != nil {
			return invalidRequest(op, err)
		}
		entries = append(entries, e)
	}
	o, err := jsonRequest("POST", c.stateURL(store), entries)
	if err != nil {
		return invalidRequest(op, err)
	}
	_, err = c.do(op, o)
	return err
}

// GetState reads one key (GET /v1.0/state/<store>/<key>) with its ETag.
// A missing key is Found == false and no error: Dapr answers 204.
func (c *Client) GetState(store, key string) (*State, error) {
	a, err := c.do("get state "+store+"/"+key, &outgoing{method: "GET", url: c.stateURL(store, key), wantHeaders: []string{"etag"}})
	if err != nil {
		return nil, err
	}
	if a.status == 204 {
		return &State{Key: key}, nil
	}
	return &State{Key: key, Found: true, Value: a.body, ETag: a.header["etag"]}, nil
}

// GetBulkState reads several keys in one request (POST /v1.0/state/<store>/bulk);
// parallelism 0 leaves it to Dapr.
func (c *Client) GetBulkState(store string, keys []string, parallelism int) ([]BulkState, error) {
	op := "get bulk state " + store
	request := struct {
		Keys        []string `json:"keys"`
		Parallelism int      `json:"parallelism,omitempty"`
	}{Keys: keys, Parallelism: parallelism}
	if request.Keys == nil {
		request.Keys = []string{}
	}
	o, err := jsonRequest("POST", c.stateURL(store, "bulk"), request)
	if err != nil {
		return nil, invalidRequest(op, err)
	}
	a, err := c.do(op, o)
	if err != nil {
		return nil, err
	}
	var entries []struct {
		Key   string          `json:"key"`
		Data  json.RawMessage `json:"data"`
		ETag  string          `json:"etag"`
		Error string          `json:"error"`
	}
	if err := json.Unmarshal(a.body, &entries); err != nil {
		return nil, answerFailed(op+" (answer is not a JSON array)", a.status, a.body)
	}
	states := make([]BulkState, 0, len(entries))
	for _, e := range entries {
		states = append(states, BulkState{Key: e.Key, Found: e.Data != nil, Value: e.Data, ETag: e.ETag, Error: e.Error})
	}
	return states, nil
}

// DeleteState deletes one key; with a non-empty etag only if the stored
// version still has it (If-Match, and first-write so the ETag is enforced).
func (c *Client) DeleteState(store, key, etag string) error {
	target := c.stateURL(store, key)
	if etag != "" {
		target += "?concurrency=first-write"
	}
	_, err := c.do("delete state "+store+"/"+key, &outgoing{method: "DELETE", url: target, ifMatch: etag})
	return err
}

// Transaction applies the operations atomically
// (POST /v1.0/state/<store>/transaction; the store must support transactions).
func (c *Client) Transaction(store string, ops ...TransactionOp) error {
	op := "state transaction " + store
	type wireOp struct {
		Operation string     `json:"operation"`
		Request   stateEntry `json:"request"`
	}
	wire := struct {
		Operations []wireOp `json:"operations"`
	}{Operations: make([]wireOp, 0, len(ops))}
	for _, t := range ops {
		e, err := newStateEntry(t.Key, t.Value, t.Operation == "upsert", t.ETag, nil)
		if err != nil {
			return invalidRequest(op, err)
		}
		wire.Operations = append(wire.Operations, wireOp{Operation: t.Operation, Request: e})
	}
	o, err := jsonRequest("POST", c.stateURL(store, "transaction"), wire)
	if err != nil {
		return invalidRequest(op, err)
	}
	_, err = c.do(op, o)
	return err
}
