module wasi-operator.dev/guest

go 1.26
