// Walks the whole Dapr state client against a real sidecar: a missing key,
// ETags (accepted and stale), bulk save and get, a transaction, deletes and an
// unknown store. The seed's test covers only save and get; this covers the rest.
//
//   argv: dapr-client-check.wasm [STORE=statestore] [PREFIX=client-check]
//         (keys used: PREFIX-1, PREFIX-2, PREFIX-3, PREFIX-missing)
//   out:  "ok:<step>" per step, or "fail:<step>: <what>"; then
//         "client check passed" | "client check failed"
//   exit: 0 when every step passed | 1 otherwise
import { DaprClient, DaprError, StateItem, TransactionOperation } from "../../lib/dapr";
import { JSON, jsonQuote, parseObject, parseString } from "../../lib/json";
import { argOr } from "../../lib/args";
import { println } from "../../lib/console";

let failures = 0;

function check(step: string, passed: bool, detail: string): void {
  if (passed) {
    println("ok:" + step);
  } else {
    failures++;
    println("fail:" + step + ": " + detail);
  }
}

function noError(step: string, error: DaprError | null): void {
  check(step, error == null, error != null ? error.toString() : "");
}

function rejected(step: string, error: DaprError | null): void {
  check(step, error != null && error.status >= 400, "expected Dapr to refuse, got " + (error != null ? error.toString() : "success"));
}

/** The number member `n` of a stored object, or -1. */
function counter(json: string): f64 {
  const obj = parseObject(json);
  if (obj == null) return -1;
  const n = obj.get("n");
  return n != null && n.type == JSON.Types.F64 ? n.get<f64>() : -1;
}

function main(): void {
  const storeName = argOr(1, "statestore");
  const prefix = argOr(2, "client-check");
  const k1 = prefix + "-1";
  const k2 = prefix + "-2";
  const k3 = prefix + "-3";
  const missing = prefix + "-missing";
  const dapr = new DaprClient();

  noError("clean-up", dapr.transaction(storeName, [
    TransactionOperation.delete(k1), TransactionOperation.delete(k2), TransactionOperation.delete(k3),
  ]));

  const absent = dapr.getState(storeName, missing);
  check("get-missing", absent.error == null && !absent.found, "expected not found, got " + (absent.error != null ? absent.error!.toString() : absent.value));

  noError("save", dapr.saveState(storeName, k1, "{\"n\":1}"));
  const first = dapr.getState(storeName, k1);
  const firstEtag = first.etag;
  check("get-with-etag", first.found && counter(first.value) == 1 && firstEtag != null,
    "got found=" + first.found.toString() + " value=" + first.value + " etag=" + (firstEtag != null ? firstEtag : "none"));
  const etag1 = firstEtag != null ? firstEtag : "1";

  noError("save-with-etag", dapr.saveState(storeName, k1, "{\"n\":2}", etag1));
  rejected("save-with-stale-etag", dapr.saveState(storeName, k1, "{\"n\":3}", etag1));
  check("invalid-json-refused", dapr.saveState(storeName, k1, "not json") != null, "a value that is not JSON was sent");

  noError("save-bulk", dapr.saveBulkState(storeName, [
    new StateItem(k2, jsonQuote("two")), new StateItem(k3, "[1,2]"),
  ]));
  const bulk = dapr.getBulkState(storeName, [k1, k2, k3, missing]);
  const items = bulk.items;
  const bulkError = bulk.error;
  if (bulkError != null || items.length != 4) {
    check("get-bulk", false, bulkError != null ? bulkError.toString() : items.length.toString() + " items");
  } else {
    const two = parseString(items[1].value);
    check("get-bulk",
      items[0].key == k1 && counter(items[0].value) == 2 && items[0].etag != null &&
      items[1].key == k2 && two != null && two == "two" &&
      items[2].key == k3 && items[2].value == "[1,2]" &&
      items[3].key == missing && !items[3].found,
      "got " + items[0].value + ", " + items[1].value + ", " + items[2].value + ", found=" + items[3].found.toString());
  }

  noError("transaction", dapr.transaction(storeName, [
    TransactionOperation.upsert(k2, jsonQuote("deux")), TransactionOperation.delete(k3),
  ]));
  const deux = dapr.getState(storeName, k2);
  const deuxText = parseString(deux.value);
  check("transaction-upserted", deux.found && deuxText != null && deuxText == "deux", "got " + deux.value);
  check("transaction-deleted", !dapr.getState(storeName, k3).found, k3 + " still exists");

  const current = dapr.getState(storeName, k1);
  rejected("delete-with-stale-etag", dapr.deleteState(storeName, k1, etag1));
  noError("delete-with-etag", dapr.deleteState(storeName, k1, current.etag));
  check("deleted", !dapr.getState(storeName, k1).found, k1 + " still exists");
  noError("delete-without-etag", dapr.deleteState(storeName, k2));

  const unknown = dapr.saveState(storeName + "-does-not-exist", k1, "1");
  check("unknown-store", unknown != null && unknown.errorCode == "ERR_STATE_STORE_NOT_FOUND",
    unknown != null ? unknown.toString() : "saved into a store that does not exist");

  println(failures == 0 ? "client check passed" : "client check failed");
  process.exit(failures == 0 ? 0 : 1);
}

main();
