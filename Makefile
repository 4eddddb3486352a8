# The two commands a newcomer needs (see README.md):
#   go run ./cmd/genmint demo    a demo collection, made offline on embedded defaults
#   make test                    install what the tests need (Kubo, anvil, solc, exiftool, vips), run them all

.PHONY: test tools build bench release-check clean

test:
	./scripts/test.sh

tools:
	./scripts/tools.sh

build:
	CGO_ENABLED=0 go build -trimpath -o genmint ./cmd/genmint

bench:
	./bench/run.sh

release-check:
	./scripts/release-check.sh

clean:
	rm -rf genmint dist genmint-demo
