package wasihttp

import "strconv"

// Code is an error code of the ABI. It is itself an error, so a caller can
// test for one with errors.Is(err, wasihttp.DestinationNotAllowed).
type Code uint32

// The codes of deislabs' v0.10 ABI (guest/lib/http-abi.ts has the same list).
const (
	Success               Code = 0
	InvalidHandle         Code = 1
	MemoryNotFound        Code = 2
	MemoryAccessError     Code = 3
	BufferTooSmall        Code = 4
	HeaderNotFound        Code = 5
	Utf8Error             Code = 6
	DestinationNotAllowed Code = 7
	InvalidMethod         Code = 8
	InvalidEncoding       Code = 9
	InvalidURL            Code = 10
	RequestError          Code = 11
	RuntimeError          Code = 12
	TooManySessions       Code = 13
)

var codeNames = [...]string{
	"Success", "InvalidHandle", "MemoryNotFound", "MemoryAccessError", "BufferTooSmall",
	"HeaderNotFound", "Utf8Error", "DestinationNotAllowed", "InvalidMethod", "InvalidEncoding",
	"InvalidUrl", "RequestError", "RuntimeError", "TooManySessions",
}

// String is the code's name as the AssemblyScript library spells it, so the
// two languages report a failure the same way.
func (c Code) String() string {
	if int(c) < len(codeNames) {
		return codeNames[c]
	}
	return "UnknownError"
}

func (c Code) Error() string {
	return c.String() + " (" + strconv.FormatUint(uint64(c), 10) + ")"
}

// Error is a failed ABI call: which call, on what, and the host's code.
type Error struct {
	// Op names the call and its subject, e.g. "GET http://127.0.0.1:3500/v1.0/healthz".
	Op   string
	Code Code
}

func (e *Error) Error() string {
	return "wasi_experimental_http: " + e.Op + ": " + e.Code.Error()
}

// Unwrap makes errors.Is(err, wasihttp.RequestError) and errors.As(err, &code) work.
func (e *Error) Unwrap() error { return e.Code }

// check turns an ABI result into nil or an *Error.
func check(code uint32, op string) error {
	if code == uint32(Success) {
		return nil
	}
	return &Error{Op: op, Code: Code(code)}
}
