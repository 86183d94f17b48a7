package dapr

// PublishJSON publishes v, encoded as JSON, to a topic
// (POST /v1.0/publish/<pubsub>/<topic>); Dapr wraps it in a CloudEvent.
// metadata becomes `metadata.<key>` query parameters (e.g. ttlInSeconds,
// rawPayload).
func (c *Client) PublishJSON(pubsub, topic string, v any, metadata map[string]string) error {
	op := "publish " + pubsub + "/" + topic
	o, err := jsonRequest("POST", withMetadata(c.pathURL("v1.0", "publish", pubsub, topic), metadata), v)
	if err != nil {
		return invalidRequest(op, err)
	}
	_, err = c.do(op, o)
	return err
}

// Publish publishes raw bytes with their content type (for example
// "text/plain", or "application/cloudevents+json" for an event the caller
// built itself).
func (c *Client) Publish(pubsub, topic string, data []byte, contentType string, metadata map[string]string) error {
	o := &outgoing{
		method:      "POST",
		url:         withMetadata(c.pathURL("v1.0", "publish", pubsub, topic), metadata),
		contentType: contentType,
		body:        data,
		hasBody:     true,
	}
	_, err := c.do("publish "+pubsub+"/"+topic, o)
	return err
}
