// The seed's test in Go (a port of guest/src/dapr-state-test.ts, same output
// lines): save a string and an object through the Dapr state API, read both
// back, and say whether they survived the trip.
//
//	argv: go-dapr-state-test.wasm [STORE=statestore]
//	exit: 0 "Test successfully!" | 1 "Test failed!" and what differed
package main

import (
	"fmt"
	"os"
	"strings"

	"wasi-operator.dev/guest/dapr"
)

type planet struct {
	Name string `json:"name"`
	Test int    `json:"test"`
}

const (
	expectedWeapon = "Death Star"
	expectedTest   = 123
)

func fail(reason string) {
	fmt.Println("Test failed!")
	fmt.Println(reason)
	os.Exit(1)
}

func failOn(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func shown(s *dapr.State) string {
	if s.Found {
		return string(s.Value)
	}
	return "nothing (the key does not exist)"
}

func weaponDifference(weapon *dapr.State) string {
	var name string
	if weapon.Found && weapon.Decode(&name) == nil && name == expectedWeapon {
		return ""
	}
	return fmt.Sprintf("weapon: expected %q, got %s", expectedWeapon, shown(weapon))
}

func planetsDifference(planets *dapr.State) string {
	// A map, not the planet struct: a missing or non-numeric "test" must
	// count as a difference, not decode to 0.
	var fields map[string]any
	if planets.Found && planets.Decode(&fields) == nil {
		if test, ok := fields["test"].(float64); ok && test == expectedTest {
			return ""
		}
	}
	return "planets.test: expected 123, got " + shown(planets)
}

func main() {
	fmt.Println("Testing Dapr API ...")
	store := "statestore"
	if len(os.Args) > 1 {
		store = os.Args[1]
	}
	client := dapr.NewClient()
	client.RequestLog = os.Stdout

	failOn(client.SaveState(store, "weapon", expectedWeapon))
	failOn(client.SaveBulkState(store, dapr.StateItem{Key: "planets", Value: planet{Name: "Tatooine", Test: expectedTest}}))

	planets, err := client.GetState(store, "planets")
	failOn(err)
	weapon, err := client.GetState(store, "weapon")
	failOn(err)

	var differences []string
	if d := weaponDifference(weapon); d != "" {
		differences = append(differences, d)
	}
	if d := planetsDifference(planets); d != "" {
		differences = append(differences, d)
	}
	if len(differences) > 0 {
		fail(strings.Join(differences, "\n"))
	}
	fmt.Println("Test successfully!")
}
