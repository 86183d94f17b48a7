package dapr

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"wasi-operator.dev/guest/wasihttp"
)

// fake records each request and answers with the next canned answer.
type fake struct {
	sent    []*outgoing
	answers []*answer
	err     error
}

func (f *fake) send(o *outgoing) (*answer, error) {
	f.sent = append(f.sent, o)
	if f.err != nil {
		return nil, f.err
	}
	a := f.answers[0]
	f.answers = f.answers[1:]
	if a.header == nil {
		a.header = map[string]string{}
	}
	return a, nil
}

func client(answers ...*answer) (*Client, *fake) {
	f := &fake{answers: answers}
	c := NewClientAt("http://127.0.0.1:3500/")
	c.send = f.send
	return c, f
}

func TestEndpointPrefersTheEndpointThenThePortThenTheInjectorDefault(t *testing.T) {
	cases := []struct{ endpoint, port, want string }{
		{"http://127.0.0.1:4000//", "5000", "http://127.0.0.1:4000"},
		{"", "5000", "http://127.0.0.1:5000"},
		{"", "70000", DefaultEndpoint},
		{"", "x", DefaultEndpoint},
		{"", "", DefaultEndpoint},
	}
	for _, tc := range cases {
		if got := endpointFrom(tc.endpoint, tc.port); got != tc.want {
			t.Errorf("endpointFrom(%q, %q) = %q, want %q", tc.endpoint, tc.port, got, tc.want)
		}
	}
}

func TestSaveStateSendsTheSeedsBodyAndLogsItTheSeedsWay(t *testing.T) {
	c, f := client(&answer{status: 204})
	var log strings.Builder
	c.RequestLog = &log
	if err := c.SaveState("statestore", "weapon", "Death Star"); err != nil {
		t.Fatal(err)
	}
	want := `POST http://127.0.0.1:3500/v1.0/state/statestore with [{"key":"weapon","value":"Death Star"}]` + "\n"
	if log.String() != want || f.sent[0].contentType != "application/json" {
		t.Fatalf("log %q, content type %q", log.String(), f.sent[0].contentType)
	}
}

func TestASaveWithAnETagAsksForFirstWrite(t *testing.T) {
	c, f := client(&answer{status: 204})
	if err := c.SaveBulkState("s", StateItem{Key: "k", Value: json.RawMessage(`{"a": 1}`), ETag: "7"}); err != nil {
		t.Fatal(err)
	}
	if got := string(f.sent[0].body); got != `[{"key":"k","value":{"a":1},"etag":"7","options":{"concurrency":"first-write"}}]` {
		t.Fatalf("body %s", got)
	}
}

func TestAValueThatIsNotJSONIsRefusedBeforeAnythingIsSent(t *testing.T) {
	c, f := client()
	err := c.SaveState("s", "k", json.RawMessage(`{not json`))
	var de *Error
	if !errors.As(err, &de) || de.Status != 0 || len(f.sent) != 0 || !strings.Contains(err.Error(), `key "k"`) {
		t.Fatalf("err %v, sent %d", err, len(f.sent))
	}
}

func TestGetStateReturnsValueAndETagAndAMissingKeyIsNotAnError(t *testing.T) {
	c, f := client(&answer{status: 200, body: []byte(`"Death Star"`), header: map[string]string{"etag": "3"}}, &answer{status: 204})
	got, err := c.GetState("statestore", "a/b c")
	if err != nil || !got.Found || string(got.Value) != `"Death Star"` || got.ETag != "3" {
		t.Fatalf("got %+v, %v", got, err)
	}
	if f.sent[0].url != "http://127.0.0.1:3500/v1.0/state/statestore/a%2Fb%20c" {
		t.Fatalf("url %s", f.sent[0].url)
	}
	missing, err := c.GetState("statestore", "nope")
	if err != nil || missing.Found || missing.Value != nil {
		t.Fatalf("missing %+v, %v", missing, err)
	}
}

func TestDaprErrorsCarryErrorCodeAndMessage(t *testing.T) {
	c, _ := client(&answer{status: 400, body: []byte(`{"errorCode":"ERR_STATE_STORE_NOT_FOUND","message":"state store nostore is not found"}`)})
	err := c.SaveState("nostore", "k", 1)
	var de *Error
	if !errors.As(err, &de) || de.ErrorCode != "ERR_STATE_STORE_NOT_FOUND" || de.Status != 400 {
		t.Fatalf("err %#v", err)
	}
	if err.Error() != "save state nostore failed: HTTP 400 ERR_STATE_STORE_NOT_FOUND: state store nostore is not found" {
		t.Fatalf("message %q", err.Error())
	}
}

func TestANonJSONErrorBodyIsKeptShort(t *testing.T) {
	c, _ := client(&answer{status: 502, body: []byte(strings.Repeat("x", 1000))})
	_, err := c.InvokeMethod("app", "m", nil)
	var de *Error
	if !errors.As(err, &de) || de.Status != 502 || len(de.Message) != maxMessageBytes+3 {
		t.Fatalf("err %v", err)
	}
}

func TestAFailedExchangeUnwrapsToTheABICode(t *testing.T) {
	c, _ := client()
	c.send = func(*outgoing) (*answer, error) {
		return nil, &wasihttp.Error{Op: "GET x", Code: wasihttp.DestinationNotAllowed}
	}
	_, err := c.GetState("s", "k")
	if !errors.Is(err, wasihttp.DestinationNotAllowed) {
		t.Fatalf("err %v", err)
	}
}

func TestGetBulkStateTellsFoundFromMissingKeys(t *testing.T) {
	c, f := client(&answer{status: 200, body: []byte(`[{"key":"a","data":{"x":1},"etag":"1"},{"key":"b"},{"key":"c","error":"boom"}]`)})
	got, err := c.GetBulkState("s", []string{"a", "b", "c"}, 2)
	if err != nil || len(got) != 3 {
		t.Fatalf("%v %v", got, err)
	}
	if string(f.sent[0].body) != `{"keys":["a","b","c"],"parallelism":2}` {
		t.Fatalf("body %s", f.sent[0].body)
	}
	if !got[0].Found || string(got[0].Value) != `{"x":1}` || got[0].ETag != "1" || got[1].Found || got[2].Error != "boom" {
		t.Fatalf("items %+v", got)
	}
}

func TestDeleteWithAnETagSendsIfMatchAndFirstWrite(t *testing.T) {
	c, f := client(&answer{status: 204})
	if err := c.DeleteState("s", "k", "9"); err != nil {
		t.Fatal(err)
	}
	if f.sent[0].method != "DELETE" || f.sent[0].ifMatch != "9" || !strings.HasSuffix(f.sent[0].url, "/s/k?concurrency=first-write") {
		t.Fatalf("sent %+v", f.sent[0])
	}
}

func TestATransactionSendsUpsertsWithValuesAndDeletesWithout(t *testing.T) {
	c, f := client(&answer{status: 204})
	if err := c.Transaction("s", Upsert("a", 1, ""), Delete("b", "4")); err != nil {
		t.Fatal(err)
	}
	want := `{"operations":[{"operation":"upsert","request":{"key":"a","value":1}},` +
		`{"operation":"delete","request":{"key":"b","etag":"4","options":{"concurrency":"first-write"}}}]}`
	if string(f.sent[0].body) != want || !strings.HasSuffix(f.sent[0].url, "/v1.0/state/s/transaction") {
		t.Fatalf("body %s url %s", f.sent[0].body, f.sent[0].url)
	}
}

func TestPublishPostsToTheTopicWithMetadataAsQuery(t *testing.T) {
	c, f := client(&answer{status: 204}, &answer{status: 204})
	if err := c.PublishJSON("pubsub", "orders", map[string]int{"id": 7}, map[string]string{"ttlInSeconds": "60"}); err != nil {
		t.Fatal(err)
	}
	if err := c.Publish("pubsub", "raw", []byte("hi"), "text/plain", nil); err != nil {
		t.Fatal(err)
	}
	if f.sent[0].url != "http://127.0.0.1:3500/v1.0/publish/pubsub/orders?metadata.ttlInSeconds=60" || string(f.sent[0].body) != `{"id":7}` {
		t.Fatalf("sent %s %s", f.sent[0].url, f.sent[0].body)
	}
	if f.sent[1].contentType != "text/plain" || string(f.sent[1].body) != "hi" {
		t.Fatalf("raw %+v", f.sent[1])
	}
}

func TestABindingGetsOperationDataMetadataAndReturnsMetadataHeaders(t *testing.T) {
	c, f := client(&answer{status: 200, body: []byte("pong"), header: map[string]string{"metadata.statuscode": "200", "content-type": "text/plain"}})
	got, err := c.InvokeBinding("hook", BindingRequest{Operation: "post", Data: "ping", Metadata: map[string]string{"path": "/x"}})
	if err != nil {
		t.Fatal(err)
	}
	if string(f.sent[0].body) != `{"operation":"post","data":"ping","metadata":{"path":"/x"}}` || !f.sent[0].wantAllHeaders {
		t.Fatalf("body %s", f.sent[0].body)
	}
	if string(got.Data) != "pong" || got.Metadata["statuscode"] != "200" || len(got.Metadata) != 1 {
		t.Fatalf("got %+v", got)
	}
}

func TestSecretsAreReadAsMaps(t *testing.T) {
	c, f := client(&answer{status: 200, body: []byte(`{"db-password":"s3cret"}`)}, &answer{status: 200, body: []byte(`{"a":{"a":"1"}}`)})
	got, err := c.GetSecret("local", "db-password", nil)
	if err != nil || got["db-password"] != "s3cret" || f.sent[0].url != "http://127.0.0.1:3500/v1.0/secrets/local/db-password" {
		t.Fatalf("%v %v %s", got, err, f.sent[0].url)
	}
	all, err := c.GetBulkSecret("local", nil)
	if err != nil || all["a"]["a"] != "1" {
		t.Fatalf("%v %v", all, err)
	}
}

func TestInvokeEscapesSegmentsKeepsSlashesAndDefaultsTheVerb(t *testing.T) {
	c, f := client(&answer{status: 200, body: []byte("ok"), header: map[string]string{"content-type": "text/plain"}}, &answer{status: 200})
	got, err := c.InvokeMethod("shop", "orders/7 x", &InvokeRequest{Data: []byte("{}"), ContentType: "application/json", Query: "v=1"})
	if err != nil || got.ContentType != "text/plain" || string(got.Data) != "ok" {
		t.Fatalf("%+v %v", got, err)
	}
	if f.sent[0].method != "POST" || f.sent[0].url != "http://127.0.0.1:3500/v1.0/invoke/shop/method/orders/7%20x?v=1" {
		t.Fatalf("sent %s %s", f.sent[0].method, f.sent[0].url)
	}
	if _, err := c.InvokeMethod("shop", "health", nil); err != nil || f.sent[1].method != "GET" || f.sent[1].hasBody {
		t.Fatalf("second %+v %v", f.sent[1], err)
	}
}
