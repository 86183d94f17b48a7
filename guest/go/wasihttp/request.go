package wasihttp

import (
	"strings"
	"unsafe"
)

// HeaderField is one request header. A slice keeps the caller's order and
// repeated names, which is what the ABI's `name:value` lines carry.
type HeaderField struct {
	Name  string
	Value string
}

// Request is one outgoing request. Method defaults to GET; any token is
// passed through and the host refuses invalid ones (InvalidMethod).
type Request struct {
	Method string
	URL    string
	Header []HeaderField
	Body   []byte
}

// Do sends the request and returns the response, whose body the caller reads
// and must Close: the host refuses new requests (TooManySessions) while too
// many responses are open.
func Do(req *Request) (*Response, error) {
	method := req.Method
	if method == "" {
		method = "GET"
	}
	headers, err := headerLines(req.Header)
	if err != nil {
		return nil, &Error{Op: method + " " + req.URL + ": " + err.Error(), Code: InvalidEncoding}
	}
	var status uint16
	var handle uint32
	code := abiReq(
		stringPtr(req.URL), uint32(len(req.URL)),
		stringPtr(method), uint32(len(method)),
		stringPtr(headers), uint32(len(headers)),
		bytesPtr(req.Body), uint32(len(req.Body)),
		unsafe.Pointer(&status), unsafe.Pointer(&handle),
	)
	if err := check(code, method+" "+req.URL); err != nil {
		return nil, err
	}
	return &Response{Status: int(status), handle: handle}, nil
}

// headerLines joins the headers as the ABI wants them: `name:value` lines
// separated by "\n". A name or value holding a line break would smuggle in
// another header, so it is refused here rather than sent.
func headerLines(fields []HeaderField) (string, error) {
	var b strings.Builder
	for i, f := range fields {
		if f.Name == "" || strings.ContainsAny(f.Name, ":\r\n") || strings.ContainsAny(f.Value, "\r\n") {
			return "", errBadHeader(f.Name)
		}
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(f.Name)
		b.WriteByte(':')
		b.WriteString(f.Value)
	}
	return b.String(), nil
}

type errBadHeader string

func (e errBadHeader) Error() string { return "invalid request header name or value for " + string(e) }

// The host reads these ranges during the call only; a nil pointer with a
// zero length is a valid empty range.
func stringPtr(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

func bytesPtr(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }
