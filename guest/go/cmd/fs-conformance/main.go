// WASI preview1 file-system conformance from Go's os package: what a Go
// program does with files (its runtime turns each call into preview1 calls:
// path_open, fd_pread, fd_readdir, path_filestat_get, ...), on a directory
// preopened as /sandbox, each case printed as one line. The test runs it
// under wasi-host and under plain node:wasi and compares the lines and the
// directory afterwards (test/integration/host-fs-conformance.test.ts).
//
//	argv: go-fs-conformance.wasm
//	      /sandbox holds only the symlinks planted-relative -> ../outside.txt,
//	      planted-absolute -> that file's absolute path, planted-parent -> ..
//	out:  "<case>: ok <values>" or "<case>: errno <n>" (the WASI errno of the
//	      failure) per case
//	exit: 0 once every case ran
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"syscall"
)

const dir = "/sandbox/"

func describe(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Sprintf("errno %d", uint32(errno))
	}
	return "error " + err.Error()
}

// result is one case's outcome: values to print after "ok", or the error.
type result struct {
	values string
	err    error
}

func of(values string, err error) result { return result{values, err} }

func done(err error) result { return result{"", err} }

func report(name string, outcome result) {
	if outcome.err != nil {
		fmt.Printf("%s: %s\n", name, describe(outcome.err))
		return
	}
	fmt.Printf("%s: ok%s\n", name, outcome.values)
}

func read(path string) (string, error) {
	data, err := os.ReadFile(dir + path)
	return " " + string(data), err
}

func write(path, text string, flags int) error {
	file, err := os.OpenFile(dir+path, flags, 0o644)
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = file.WriteString(text)
	return err
}

func stat(path string, follow bool) (string, error) {
	var info os.FileInfo
	var err error
	if follow {
		info, err = os.Stat(dir + path)
	} else {
		info, err = os.Lstat(dir + path)
	}
	if err != nil {
		return "", err
	}
	kind := "file"
	switch {
	case info.Mode()&os.ModeSymlink != 0:
		kind = "symlink"
	case info.IsDir():
		return " dir", nil
	}
	return fmt.Sprintf(" %s/%d", kind, info.Size()), nil
}

func positioned() (string, error) {
	file, err := os.OpenFile(dir+"a.txt", os.O_RDWR, 0)
	if err != nil {
		return "", err
	}
	defer file.Close()
	buffer := make([]byte, 4)
	if _, err := file.ReadAt(buffer, 3); err != nil {
		return "", err
	}
	if _, err := file.WriteAt([]byte("ZZ"), 5); err != nil {
		return "", err
	}
	offset, err := file.Seek(-2, io.SeekEnd)
	if err != nil {
		return "", err
	}
	tail, err := io.ReadAll(file)
	if err != nil {
		return "", err
	}
	if _, err := file.Seek(-1, io.SeekStart); err == nil {
		return "", errors.New("seek before the start worked")
	}
	whole, err := os.ReadFile(dir + "a.txt")
	return fmt.Sprintf(" %s %d %s %s", buffer, offset, tail, whole), err
}

func listing(path string) (string, error) {
	entries, err := os.ReadDir(dir + path)
	if err != nil {
		return "", err
	}
	names := make([]string, 0, len(entries))
	for _, entry := range entries {
		kind := "file"
		if entry.IsDir() {
			kind = "dir"
		} else if entry.Type()&os.ModeSymlink != 0 {
			kind = "symlink"
		}
		names = append(names, entry.Name()+"/"+kind)
	}
	slices.Sort(names)
	return " " + strings.Join(names, ","), nil
}

func main() {
	report("write-file", done(write("a.txt", "0123456789", os.O_CREATE|os.O_WRONLY|os.O_TRUNC)))
	report("read-file", of(read("a.txt")))
	report("create-exclusive-existing", done(write("a.txt", "x", os.O_CREATE|os.O_EXCL|os.O_WRONLY)))
	report("open-missing", of(read("missing.txt")))
	report("read-write-at-seek", of(positioned()))
	report("append", done(write("a.txt", "+tail", os.O_APPEND|os.O_WRONLY)))
	report("after-append", of(read("a.txt")))
	report("truncate", done(os.Truncate(dir+"a.txt", 3)))
	report("stat-file", of(stat("a.txt", true)))
	report("stat-dir", of(stat("", true)))
	report("stat-missing", of(stat("missing.txt", true)))

	report("mkdir", done(os.Mkdir(dir+"d", 0o755)))
	report("mkdir-existing", done(os.Mkdir(dir+"d", 0o755)))
	report("mkdir-all", done(os.MkdirAll(dir+"d/e/f", 0o755)))
	report("write-nested", done(write("d/e/f/inner.txt", "inner", os.O_CREATE|os.O_WRONLY)))
	report("remove-non-empty", done(os.Remove(dir+"d/e")))
	report("remove-file", done(os.Remove(dir+"d/e/f/inner.txt")))
	report("remove-empty-dir", done(os.Remove(dir+"d/e/f")))
	report("remove-missing", done(os.Remove(dir+"missing.txt")))
	for i := range 12 {
		_ = write(fmt.Sprintf("d/entry-%02d.txt", i), "", os.O_CREATE|os.O_WRONLY)
	}
	report("readdir", of(listing("d")))
	report("readdir-file", of(listing("a.txt")))

	report("rename", done(os.Rename(dir+"a.txt", dir+"c.txt")))
	report("renamed", of(stat("c.txt", true)))
	report("rename-missing", done(os.Rename(dir+"missing.txt", dir+"x.txt")))
	_ = write("old.txt", "old", os.O_CREATE|os.O_WRONLY)
	report("rename-over-file", done(os.Rename(dir+"old.txt", dir+"c.txt")))
	report("rename-over-result", of(read("c.txt")))

	report("symlink", done(os.Symlink("c.txt", dir+"link")))
	target, err := os.Readlink(dir + "link")
	report("readlink", of(" "+target, err))
	report("lstat-symlink", of(stat("link", false)))
	report("stat-through-symlink", of(stat("link", true)))
	report("read-through-symlink", of(read("link")))
	report("symlink-existing", done(os.Symlink("c.txt", dir+"link")))
	report("hard-link", done(os.Link(dir+"c.txt", dir+"hard.txt")))
	report("read-hard-link", of(read("hard.txt")))
	report("remove-symlink", done(os.Remove(dir+"link")))
	report("remove-all", done(os.RemoveAll(dir+"d")))
	report("listing-after", of(listing("")))

	// Escapes: nothing outside the preopen is read or created.
	report("read-dotdot", of(read("../outside.txt")))
	report("read-relative-dotdot", bytesOf(os.ReadFile("sandbox/../outside.txt")))
	report("create-dotdot", done(write("../created.txt", "x", os.O_CREATE|os.O_WRONLY)))
	report("symlink-out", done(os.Symlink("../outside.txt", dir+"esc")))
	report("read-planted-symlink", of(read("planted-relative")))
	report("read-planted-absolute-symlink", of(read("planted-absolute")))
	report("read-through-planted-directory-symlink", of(read("planted-parent/outside.txt")))
	report("create-through-planted-directory-symlink", done(write("planted-parent/created.txt", "x", os.O_CREATE|os.O_WRONLY)))
	report("mkdir-through-planted-directory-symlink", done(os.Mkdir(dir+"planted-parent/made", 0o755)))
}

// bytesOf is of for what was read as bytes.
func bytesOf(data []byte, err error) result { return result{" " + string(data), err} }
