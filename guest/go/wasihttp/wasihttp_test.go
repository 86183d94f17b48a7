package wasihttp

import (
	"errors"
	"testing"
)

func TestHeaderLinesJoinsNameValuePairsWithNewlines(t *testing.T) {
	got, err := headerLines([]HeaderField{{"Content-Type", "application/json"}, {"If-Match", "3"}})
	if err != nil || got != "Content-Type:application/json\nIf-Match:3" {
		t.Fatalf("headerLines = %q, %v", got, err)
	}
}

func TestHeaderLinesRefusesALineBreakThatWouldSmuggleAHeader(t *testing.T) {
	for _, f := range []HeaderField{{"X", "a\nEvil:1"}, {"X\r", "a"}, {"", "a"}, {"A:B", "c"}} {
		if _, err := headerLines([]HeaderField{f}); err == nil {
			t.Errorf("headerLines(%q) accepted", f)
		}
	}
}

func TestParseHeaderLinesKeepsOrderRepeatsAndSkipsNamelessLines(t *testing.T) {
	got := parseHeaderLines("etag:1\nset-cookie:a\nset-cookie: b\n:x\nnocolon\n")
	want := []HeaderField{{"etag", "1"}, {"set-cookie", "a"}, {"set-cookie", "b"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("field %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestErrorsCarryTheCodeForErrorsIs(t *testing.T) {
	err := check(uint32(DestinationNotAllowed), "GET http://x")
	if !errors.Is(err, DestinationNotAllowed) || errors.Is(err, RequestError) {
		t.Fatalf("errors.Is mismatch for %v", err)
	}
	var code Code
	if !errors.As(err, &code) || code != 7 {
		t.Fatalf("errors.As gave %v", code)
	}
	if got := err.Error(); got != "wasi_experimental_http: GET http://x: DestinationNotAllowed (7)" {
		t.Fatalf("message %q", got)
	}
	if Code(99).String() != "UnknownError" || check(0, "x") != nil {
		t.Fatal("unknown code or success mapped wrongly")
	}
}

func TestOutsideWasip1EveryHostCallIsARuntimeError(t *testing.T) {
	_, err := Do(&Request{URL: "http://127.0.0.1:1/"})
	if !errors.Is(err, RuntimeError) {
		t.Fatalf("Do = %v", err)
	}
}
