package dapr

import "encoding/json"

// GetSecret reads one secret (GET /v1.0/secrets/<store>/<key>): a map, since
// a secret may hold several values (a local file store returns {key: value}).
// metadata becomes `metadata.<key>` query parameters (e.g. namespace).
func (c *Client) GetSecret(store, key string, metadata map[string]string) (map[string]string, error) {
	op := "get secret " + store + "/" + key
	a, err := c.do(op, &outgoing{method: "GET", url: withMetadata(c.pathURL("v1.0", "secrets", store, key), metadata)})
	if err != nil {
		return nil, err
	}
	secret := map[string]string{}
	if err := json.Unmarshal(a.body, &secret); err != nil {
		return nil, answerFailed(op+" (answer is not a JSON object of strings)", a.status, a.body)
	}
	return secret, nil
}

// GetBulkSecret reads every secret the store lets this app see
// (GET /v1.0/secrets/<store>/bulk).
func (c *Client) GetBulkSecret(store string, metadata map[string]string) (map[string]map[string]string, error) {
	op := "get bulk secret " + store
	a, err := c.do(op, &outgoing{method: "GET", url: withMetadata(c.pathURL("v1.0", "secrets", store, "bulk"), metadata)})
	if err != nil {
		return nil, err
	}
	secrets := map[string]map[string]string{}
	if err := json.Unmarshal(a.body, &secrets); err != nil {
		return nil, answerFailed(op+" (answer is not a JSON object of objects)", a.status, a.body)
	}
	return secrets, nil
}
