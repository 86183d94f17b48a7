//go:build !wasip1

package wasihttp

import "unsafe"

// Outside wasip1 there is no host to call: every call fails with
// RuntimeError, so code that imports this package still builds, vets and
// runs its own unit tests natively.

func abiReq(_ unsafe.Pointer, _ uint32, _ unsafe.Pointer, _ uint32, _ unsafe.Pointer, _ uint32, _ unsafe.Pointer, _ uint32, _ unsafe.Pointer, _ unsafe.Pointer) uint32 {
	return uint32(RuntimeError)
}

func abiClose(uint32) uint32 { return uint32(RuntimeError) }

func abiBodyRead(uint32, unsafe.Pointer, uint32, unsafe.Pointer) uint32 { return uint32(RuntimeError) }

func abiHeaderGet(uint32, unsafe.Pointer, uint32, unsafe.Pointer, uint32, unsafe.Pointer) uint32 {
	return uint32(RuntimeError)
}

func abiHeadersGetAll(uint32, unsafe.Pointer, uint32, unsafe.Pointer) uint32 {
	return uint32(RuntimeError)
}
