package dapr

import (
	"encoding/json"
	"strconv"
)

// Enough of a non-JSON error body to recognise it, not enough to flood a log.
const maxMessageBytes = 300

// Error is a failed Dapr call.
type Error struct {
	// Op is what the guest asked for, e.g. "save state statestore".
	Op string
	// Status is Dapr's HTTP status; 0 when no answer came (see Err).
	Status int
	// ErrorCode is Dapr's code, e.g. "ERR_STATE_STORE_NOT_FOUND"; "" when there was none.
	ErrorCode string
	Message   string
	// Err is the failed HTTP exchange (a *wasihttp.Error), or nil.
	Err error
}

// Error reads like the AssemblyScript library's DaprError.toString():
// "save state nostore failed: HTTP 400 ERR_STATE_STORE_NOT_FOUND: state store nostore is not found".
func (e *Error) Error() string {
	text := e.Op + " failed: "
	if e.Status != 0 {
		text += "HTTP " + strconv.Itoa(e.Status) + " "
	}
	if e.ErrorCode != "" {
		text += e.ErrorCode + ": "
	}
	return text + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

func exchangeFailed(op string, err error) *Error {
	return &Error{Op: op, Message: err.Error(), Err: err}
}

// invalidRequest is a refusal before anything was sent (a value that does
// not encode as JSON, for example).
func invalidRequest(op string, err error) *Error {
	return &Error{Op: op, Message: err.Error(), Err: err}
}

// answerFailed reads Dapr's {errorCode, message} from a non-2xx body, or
// keeps the start of the body when it is something else (an app's own
// error page through service invocation, say).
func answerFailed(op string, status int, body []byte) *Error {
	var parsed struct {
		ErrorCode *string `json:"errorCode"`
		Message   *string `json:"message"`
	}
	if json.Unmarshal(body, &parsed) == nil && (parsed.ErrorCode != nil || parsed.Message != nil) {
		e := &Error{Op: op, Status: status}
		if parsed.ErrorCode != nil {
			e.ErrorCode = *parsed.ErrorCode
		}
		if parsed.Message != nil {
			e.Message = *parsed.Message
		}
		return e
	}
	text := string(body)
	if len(body) > maxMessageBytes {
		text = string(body[:maxMessageBytes]) + "..."
	}
	return &Error{Op: op, Status: status, Message: text}
}
