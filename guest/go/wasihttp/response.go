package wasihttp

import (
	"errors"
	"io"
	"strings"
	"unsafe"
)

// Response is an answer the host holds under a handle until Close. It is an
// io.ReadCloser over the body; headers are fetched from the host on demand
// (most callers want one header or none, so nothing is copied up front).
type Response struct {
	Status int
	handle uint32
	closed bool
	eof    bool
}

const (
	firstHeaderCapacity = 1024
	// Past this a header value or header block is not worth growing the buffer for.
	maxHeaderBytes = 1 << 20
)

// OK reports a 2xx status.
func (r *Response) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Read copies the next part of the body; io.EOF once the host reports a
// zero count (the ABI's end of body).
func (r *Response) Read(p []byte) (int, error) {
	if r.closed {
		return 0, &Error{Op: "body_read after close", Code: InvalidHandle}
	}
	if r.eof {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n uint32
	if err := check(abiBodyRead(r.handle, bytesPtr(p), uint32(len(p)), unsafe.Pointer(&n)), "body_read"); err != nil {
		return 0, err
	}
	if n == 0 {
		r.eof = true
		return 0, io.EOF
	}
	return int(n), nil
}

// Header returns one response header's value (the name is
// case-insensitive). A missing header is ok == false with a nil error.
func (r *Response) Header(name string) (value string, ok bool, err error) {
	buf, err := r.grow("header "+name, func(buf []byte, written *uint32) uint32 {
		return abiHeaderGet(r.handle, stringPtr(name), uint32(len(name)), bytesPtr(buf), uint32(len(buf)), unsafe.Pointer(written))
	})
	if err != nil {
		if errors.Is(err, HeaderNotFound) {
			return "", false, nil
		}
		return "", false, err
	}
	return string(buf), true, nil
}

// Headers returns every response header in the host's order, repeated names
// as separate fields.
func (r *Response) Headers() ([]HeaderField, error) {
	buf, err := r.grow("headers_get_all", func(buf []byte, written *uint32) uint32 {
		return abiHeadersGetAll(r.handle, bytesPtr(buf), uint32(len(buf)), unsafe.Pointer(written))
	})
	if err != nil {
		return nil, err
	}
	return parseHeaderLines(string(buf)), nil
}

// grow calls a header function with a buffer that grows while the host says
// BufferTooSmall, up to maxHeaderBytes, and returns what the host wrote.
func (r *Response) grow(op string, call func(buf []byte, written *uint32) uint32) ([]byte, error) {
	if r.closed {
		return nil, &Error{Op: op + " after close", Code: InvalidHandle}
	}
	for capacity := firstHeaderCapacity; ; capacity *= 4 {
		buf := make([]byte, capacity)
		var written uint32
		code := call(buf, &written)
		if Code(code) == BufferTooSmall && capacity < maxHeaderBytes {
			continue
		}
		if err := check(code, op); err != nil {
			return nil, err
		}
		if int(written) > len(buf) {
			return nil, &Error{Op: op + ": host wrote past the buffer", Code: RuntimeError}
		}
		return buf[:written], nil
	}
}

// parseHeaderLines reads the ABI's `name:value\n` block; a line without a
// name is skipped rather than trusted.
func parseHeaderLines(text string) []HeaderField {
	var fields []HeaderField
	for line := range strings.SplitSeq(text, "\n") {
		colon := strings.IndexByte(line, ':')
		if colon <= 0 {
			continue
		}
		fields = append(fields, HeaderField{Name: line[:colon], Value: strings.TrimLeft(line[colon+1:], " \t")})
	}
	return fields
}

// Close frees the host's handle. Only the first call reaches the host.
func (r *Response) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	return check(abiClose(r.handle), "close")
}
