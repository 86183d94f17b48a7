// The seed's test (see shared/seed): save a string and an object through the
// Dapr state API, read both back, and say whether they survived the trip.
//
//   argv: dapr-state-test.wasm [STORE=statestore]
//   exit: 0 "Test successfully!" | 1 "Test failed!" and what differed
import { JSON } from "json-as";
import { DaprClient, DaprError, GetStateResult, StateItem } from "../lib/dapr";
import { jsonQuote, parseObject, parseString } from "../lib/json";
import { argOr } from "../lib/args";
import { println } from "../lib/console";

@json
class Planet {
  name: string = "";
  test: i32 = 0;
}

const EXPECTED_WEAPON = "Death Star";
const EXPECTED_TEST: f64 = 123;

function fail(reason: string): void {
  println("Test failed!");
  println(reason);
  process.exit(1);
}

function failOn(error: DaprError | null): void {
  if (error != null) fail(error.toString());
}

function shown(result: GetStateResult): string {
  return result.found ? result.value : "nothing (the key does not exist)";
}

function weaponDifference(weapon: GetStateResult): string | null {
  const name = weapon.found ? parseString(weapon.value) : null;
  if (name != null && name == EXPECTED_WEAPON) return null;
  return "weapon: expected " + jsonQuote(EXPECTED_WEAPON) + ", got " + shown(weapon);
}

function planetsDifference(planets: GetStateResult): string | null {
  const planet = planets.found ? parseObject(planets.value) : null;
  const test = planet != null ? planet.get("test") : null;
  if (test != null && test.type == JSON.Types.F64 && test.get<f64>() == EXPECTED_TEST) return null;
  return "planets.test: expected 123, got " + shown(planets);
}

function main(): void {
  println("Testing Dapr API ...");
  const storeName = argOr(1, "statestore");
  const dapr = new DaprClient();
  dapr.logRequests = true;

  failOn(dapr.saveState(storeName, "weapon", jsonQuote(EXPECTED_WEAPON)));

  const tatooine = new Planet();
  tatooine.name = "Tatooine";
  tatooine.test = 123;
  failOn(dapr.saveBulkState(storeName, [new StateItem("planets", JSON.stringify(tatooine))]));

  const planets = dapr.getState(storeName, "planets");
  failOn(planets.error);
  const weapon = dapr.getState(storeName, "weapon");
  failOn(weapon.error);

  const differences = new Array<string>();
  const weaponWrong = weaponDifference(weapon);
  if (weaponWrong != null) differences.push(weaponWrong);
  const planetsWrong = planetsDifference(planets);
  if (planetsWrong != null) differences.push(planetsWrong);
  if (differences.length > 0) fail(differences.join("\n"));

  println("Test successfully!");
  process.exit(0);
}

main();
