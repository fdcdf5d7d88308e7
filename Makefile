# Buy connectivity through CCS agreements — the portal's build.
# The Go toolchain is pinned here; the go command downloads it on first use.
export GOTOOLCHAIN := go1.26.10

DB ?= data/portal.db
ADDR ?= 127.0.0.1:8080
BIN := bin/portal

.PHONY: run build generate test lint bench bench-quick fuzz clean check-generated

## run: start the portal with demo data on $(DB) and print the URL and demo sign-ins
run: build
	$(BIN) serve -demo -db $(DB) -addr $(ADDR)

## build: compile bin/portal
build:
	go build -o $(BIN) ./cmd/portal

## generate: regenerate templ views
generate:
	go tool templ generate

## check-generated: fail if committed templ output is stale
check-generated:
	@before=$$(cat views/*_templ.go | sha256sum); go tool templ generate >/dev/null 2>&1; \
	after=$$(cat views/*_templ.go | sha256sum); \
	if [ "$$before" != "$$after" ]; then echo "templ output was stale: regenerated; commit views/*_templ.go"; exit 1; fi

## lint: gofmt, go vet, staticcheck
lint:
	@out=$$(gofmt -l cmd handlers static store views); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

## test: everything CI runs — generated code current, lint (gofmt, vet, staticcheck), all tests with the race detector (browser tests included)
test: check-generated lint
	tools/fetch-testdeps.sh
	go test -race -count=1 -timeout 30m ./...

## bench: performance figures (scale data; not part of make test): Go benchmarks, then cmd/loadbench (every public page against a bare handler, a 10-minute soak, search, memory) and its summary for the README
bench: build
	go test -run '^$$' -bench . -benchtime 1s ./store ./handlers
	go run ./cmd/loadbench -bin $(BIN)

## bench-quick: cmd/loadbench's measurements in a few minutes (one round each, a 1-minute soak), for development
bench-quick: build
	go run ./cmd/loadbench -bin $(BIN) -rounds 1 -duration 2s -soak 1m

## fuzz: run each fuzz target (the price-list parser for 60 s, the others for 30 s)
fuzz:
	go test ./store -run '^$$' -fuzz FuzzParsePriceList -fuzztime 60s
	go test ./handlers -run '^$$' -fuzz FuzzSafeReturnPath -fuzztime 30s
	go test ./handlers -run '^$$' -fuzz FuzzParseLoginForm -fuzztime 30s

clean:
	rm -rf bin
