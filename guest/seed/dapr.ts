// The seed's DaprClient (../shared/seed) as published, with encodeValue (cut
// from the article) written back; it imports ./http in place of the deislabs
// AssemblyScript crate, which is not on npm.
// @ts-ignore
import { Console } from "as-wasi";
import { Method, RequestBuilder, Response } from "./http";
import { JSONEncoder, JSON } from "assemblyscript-json";

export class StateItem {
  key: string
  value: JSON.Value
  etag: string | null
  metadata: Map<string, string> | null
  constructor(key: string, value: JSON.Value) {
    this.key = key
    this.value = value
    this.etag = null
    this.metadata = null
  }
}

function encodeValue(encoder: JSONEncoder, name: string | null, value: JSON.Value): void {
  if (value.isString) {
    encoder.setString(name, (<JSON.Str>value).valueOf())
  } else if (value.isInteger) {
    encoder.setInteger(name, (<JSON.Integer>value).valueOf())
  } else if (value.isFloat) {
    encoder.setFloat(name, (<JSON.Float>value).valueOf())
  } else if (value.isBool) {
    encoder.setBoolean(name, (<JSON.Bool>value).valueOf())
  } else if (value.isNull) {
    encoder.setNull(name)
  } else if (value.isArr) {
    encoder.pushArray(name)
    let arr = (<JSON.Arr>value).valueOf()
    for (let i = 0; i < arr.length; i++) encodeValue(encoder, null, arr[i])
    encoder.popArray()
  } else if (value.isObj) {
    encoder.pushObject(name)
    let obj = <JSON.Obj>value
    let keys = obj.keys
    for (let i = 0; i < keys.length; i++) encodeValue(encoder, keys[i], <JSON.Value>obj.get(keys[i]))
    encoder.popObject()
  }
}

export class DaprClient {
  port: i32
  address: string
  constructor() {
    this.address = "127.0.0.1"
    this.port = 3500
  }
  stateURL(storeName: string): string {
    return "http://" + this.address + ":" + this.port.toString() + "/v1.0/state/" + storeName
  }
  saveState(storeName: string, key: string, value: JSON.Value): boolean {
    let item = new StateItem(key, value)
    let items: StateItem[] = [item]
    return this.saveBulkState(storeName, items)
  }
  saveBulkState(storeName: string, items: StateItem[]): boolean {
    let encoder = new JSONEncoder();
    encoder.pushArray(null);
    for (let i = 0, len = items.length; i < len; i++) {
      let item = items[i]
      encoder.pushObject(null);
      encoder.setString("key", item.key)
      encodeValue(encoder, "value", item.value)
      if (item.etag != null) {
        encoder.setString("etag", <string>item.etag)
      }
      encoder.popObject()
    };
    encoder.popArray();
    let jsonString = encoder.toString();
    let url = this.stateURL(storeName);
    Console.log("POST " + url + " with " + jsonString);
    let res = new RequestBuilder(url)
      .method(Method.POST)
      .header("Content-Type", "application/json")
      .body(String.UTF8.encode(jsonString))
      .send();
    let ok = res.status.toString() == "200"
    res.close();
    return ok
  }
  getState(storeName: string, key: string): JSON.Value {
    let url = this.stateURL(storeName) + "/" + key;
    Console.log("GET " + url);
    let res = new RequestBuilder(url)
      .method(Method.GET)
      .send();
    let ok = res.status.toString() == "200"
    let result = <JSON.Value> new JSON.Null()
    if (ok) {
      let body = res.bodyReadAll();
      result = <JSON.Value>JSON.parse(body)
    }
    res.close();
    return result
  }
};
