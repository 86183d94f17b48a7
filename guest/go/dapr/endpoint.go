package dapr

import (
	"os"
	"strconv"
	"strings"
)

// DefaultEndpoint is the sidecar's address in a Pod: the Dapr injector
// hard-codes port 3500.
const DefaultEndpoint = "http://127.0.0.1:3500"

// SidecarEndpoint finds the sidecar as guest/lib/dapr-endpoint.ts does:
// wasi-host puts DAPR_HTTP_ENDPOINT and DAPR_HTTP_PORT into the guest's env,
// so a guest never has to hard-code the port.
func SidecarEndpoint() string {
	return endpointFrom(os.Getenv("DAPR_HTTP_ENDPOINT"), os.Getenv("DAPR_HTTP_PORT"))
}

func endpointFrom(endpoint, port string) string {
	if trimmed := strings.TrimRight(endpoint, "/"); trimmed != "" {
		return trimmed
	}
	if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 65536 {
		return "http://127.0.0.1:" + strconv.Itoa(n)
	}
	return DefaultEndpoint
}
