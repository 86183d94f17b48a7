//go:build wasip1

package wasihttp

import "unsafe"

// The raw imports, as wasi-host declares them in
// operator/src/host/http-imports.ts: every parameter an i32 (pointers into
// linear memory, lengths, handles), every result an error code. Go passes
// unsafe.Pointer and uint32 to a wasmimport as i32.

//go:wasmimport wasi_experimental_http req
//go:noescape
func abiReq(
	urlPtr unsafe.Pointer, urlLen uint32,
	methodPtr unsafe.Pointer, methodLen uint32,
	headersPtr unsafe.Pointer, headersLen uint32,
	bodyPtr unsafe.Pointer, bodyLen uint32,
	statusCodePtr unsafe.Pointer, // out: u16
	resHandlePtr unsafe.Pointer, // out: u32
) uint32

//go:wasmimport wasi_experimental_http close
func abiClose(handle uint32) uint32

//go:wasmimport wasi_experimental_http body_read
//go:noescape
func abiBodyRead(handle uint32, bufPtr unsafe.Pointer, bufLen uint32, readPtr unsafe.Pointer) uint32

//go:wasmimport wasi_experimental_http header_get
//go:noescape
func abiHeaderGet(handle uint32, namePtr unsafe.Pointer, nameLen uint32, valuePtr unsafe.Pointer, valueLen uint32, writtenPtr unsafe.Pointer) uint32

//go:wasmimport wasi_experimental_http headers_get_all
//go:noescape
func abiHeadersGetAll(handle uint32, bufPtr unsafe.Pointer, bufLen uint32, writtenPtr unsafe.Pointer) uint32
