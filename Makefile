# accessreview — build, demo, test.
# `make demo` and `make test` install the Debian packages they need when missing
# (with apt-get as root, through sudo otherwise), then build and run.

SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift
PREFIX ?= /usr/local

# Build: the C libraries wrapped by system library targets. Test: slapd for the LDAP tests.
BUILD_PACKAGES := pkg-config libldap-dev libxml2-dev libsqlite3-dev zlib1g-dev fonts-dejavu-core libcurl4-openssl-dev
TEST_PACKAGES := slapd ldap-utils openssl poppler-utils chromium python3-aiosmtpd libreoffice-calc-nogui
# A throw-away Samba AD DC for `make test-ad` (root only: it needs ports 389/636).
AD_PACKAGES := samba samba-ad-dc samba-ad-provision
BENCH_PACKAGES := libxml2-utils python3

DEMO_CONFIG := Samples/accessreview.yaml

.PHONY: all build deps test-deps demo test test-ad test-ad-if-possible test-libreoffice install bench lint format test-sanitize fuzz clean

all: build

# Installs whichever of the given packages dpkg does not list as installed.
define apt_install
	@missing=""; \
	for p in $(1); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; \
		elif command -v sudo >/dev/null; then SUDO="sudo"; \
		else echo "need root or sudo to install:$$missing" >&2; exit 1; fi; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps:
	$(call apt_install,$(BUILD_PACKAGES))
	@command -v $(SWIFT) >/dev/null || { echo "Swift is not on PATH (expected /opt/swift/usr/bin)" >&2; exit 1; }

test-deps: deps
	$(call apt_install,$(TEST_PACKAGES))

build: deps
	$(SWIFT) build

# The demo starts from nothing: out/ (sheets and the state store) is the demo's own.
demo: build
	rm -rf out
	.build/debug/accessreview check --config $(DEMO_CONFIG)
	.build/debug/accessreview run --config $(DEMO_CONFIG)
	@echo
	@echo "The sheets are in out/2026-H2/sheets/ — open out/2026-H2/sheets/index.html; findings in out/2026-H2/findings.csv; report in out/2026-H2/report.html"

test: test-deps lint
	$(SWIFT) build --build-tests
	@$(MAKE) --no-print-directory test-ad-if-possible
	@bash Tests/LibreOffice/run.sh
	$(SWIFT) test --skip-build

# The Active Directory test runs where it can (root, ports 389/636 free) and says so where not.
test-ad-if-possible:
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory test-ad; \
	else echo "SKIPPED the Active Directory test (make test-ad): Samba's AD DC needs root for ports 389/636"; fi

# LibreOffice opens every generated workbook intact and prints it with the decision beside
# the person (`make test` runs it too; libreoffice-calc-nogui is among the test packages).
test-libreoffice: build
	$(call apt_install,libreoffice-calc-nogui)
	@bash Tests/LibreOffice/run.sh

test-ad: build
	$(call apt_install,$(AD_PACKAGES))
	@bash Tests/ActiveDirectory/run.sh; rc=$$?; if [ $$rc = 77 ]; then exit 0; else exit $$rc; fi

# The performance goals, measured; nothing here is a pass/fail test.
bench: test-deps
	$(call apt_install,$(BENCH_PACKAGES))
	$(SWIFT) build -c release --product accessreview
	python3 Benchmarks/bench.py

install: deps
	$(SWIFT) build -c release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 .build/release/accessreview $(DESTDIR)$(PREFIX)/bin/accessreview

# The unit tests under AddressSanitizer, then ThreadSanitizer (export reading, reconciliation
# and sheet writing run on both cores; the lock is a pthread mutex there, which ThreadSanitizer
# sees, where Swift's Mutex hands over inside the kernel — see LockedValue). Each sanitizer builds into its own folder; the tests
# that run the command itself use the plain debug build.
test-sanitize: test-deps
	$(SWIFT) build
	$(SWIFT) build --build-tests --sanitize=address --scratch-path .build/asan
	ASAN_OPTIONS=detect_leaks=0 $(SWIFT) test --skip-build --sanitize=address --scratch-path .build/asan
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build/tsan -Xswiftc -DACCESSREVIEW_PTHREAD_LOCK
	TSAN_OPTIONS=halt_on_error=1 $(SWIFT) test --skip-build --sanitize=thread --scratch-path .build/tsan \
		-Xswiftc -DACCESSREVIEW_PTHREAD_LOCK

# libFuzzer targets for the readers of untrusted input (LDIF, XML exports, YAML, returned
# sheets), each run for FUZZ_SECONDS from a seed corpus made of the Samples.
FUZZ_SECONDS ?= 120
fuzz: deps
	$(SWIFT) build
	$(SWIFT) build --product accessreview-fuzz --scratch-path .build/fuzz \
		-Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING -Xswiftc -parse-as-library
	Tests/Fuzz/run.sh $(FUZZ_SECONDS)

# The formatting of .swift-format, checked by `make test`; `make format` applies it.
lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format Sources Tests

format:
	$(SWIFT) format format --in-place --recursive --configuration .swift-format Sources Tests

clean:
	rm -rf .build out
