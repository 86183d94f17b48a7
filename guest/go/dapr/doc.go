// Package dapr is a client for the Dapr sidecar's HTTP API for WASI guests,
// over the wasi_experimental_http host functions (package wasihttp): state
// (save, bulk save, get with ETag, bulk get, delete, transactions), pub/sub
// publish, output bindings, secrets and service invocation.
//
//	c := dapr.NewClient() // DAPR_HTTP_ENDPOINT, else DAPR_HTTP_PORT, else 127.0.0.1:3500
//	err := c.SaveState("statestore", "weapon", "Death Star")
//	st, err := c.GetState("statestore", "weapon") // st.Found, st.Value (JSON), st.ETag
//	err = c.PublishJSON("pubsub", "orders", order, nil)
//
// Every call returns a nil error or an *Error: either the HTTP exchange
// failed (Status 0, and errors.Is works with wasihttp's codes) or Dapr
// answered non-2xx with its {errorCode, message}. Every response handle is
// closed before a call returns. Values are JSON: any Go value is encoded
// with encoding/json, and a json.RawMessage is sent as the JSON text it is.
package dapr
