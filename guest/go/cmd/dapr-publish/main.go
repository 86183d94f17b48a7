// Publishes one event through the sidecar (pub/sub building block).
//
//	argv: go-dapr-publish.wasm PUBSUB TOPIC DATA [CONTENT_TYPE=application/json] [meta.KEY=VALUE...]
//	out:  "publish:ok", or "publish:error:<status>:<errorCode>:<message>"
//	exit: 0 published | 1 refused | 2 usage
//
// With application/json DATA must be JSON (checked in the guest, so Dapr
// wraps the object itself in its CloudEvent); any other type is sent as bytes.
package main

import (
	"encoding/json"
	"os"

	"wasi-operator.dev/guest/dapr"
	"wasi-operator.dev/guest/internal/facts"
)

func main() {
	metadata, args := facts.Metadata(os.Args[1:])
	if len(args) < 3 {
		facts.Usage("go-dapr-publish.wasm PUBSUB TOPIC DATA [CONTENT_TYPE] [meta.KEY=VALUE...]")
	}
	pubsub, topic, data := args[0], args[1], args[2]
	contentType := "application/json"
	if len(args) > 3 {
		contentType = args[3]
	}
	client := dapr.NewClient()
	var err error
	if contentType == "application/json" {
		err = client.PublishJSON(pubsub, topic, json.RawMessage(data), metadata)
	} else {
		err = client.Publish(pubsub, topic, []byte(data), contentType, metadata)
	}
	if err != nil {
		facts.Fail("publish", err)
	}
	facts.Print("publish", "ok")
}
