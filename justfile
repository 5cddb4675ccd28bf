# Recipes for notes-export. `pip install -e '.[dev]'` provides `just` (rust-just).
venv := ".venv"
bin := venv + "/bin"

# Build the deck and the PDF of every source in source/ into build/
all *args:
    {{bin}}/notes-export all {{args}}

# Build only the Anki deck(s)
deck *args:
    {{bin}}/notes-export deck {{args}}

# Build only the PDF cheat sheet(s)
pdf *args:
    {{bin}}/notes-export pdf {{args}}

# Parse only: counts and warnings
check *args:
    {{bin}}/notes-export check {{args}}

# Run the test suite
test *args:
    {{bin}}/pytest {{args}}

# Benchmarks side by side with the baselines; writes bench/RESULTS.md
bench *args:
    {{bin}}/python bench/run.py {{args}}

# Long property-based run (hypothesis): random notes through the reader and the real Anki
fuzz:
    NOTES_EXPORT_FUZZ_PROFILE=fuzz NOTES_EXPORT_FUZZ_DECKS=600 {{bin}}/pytest -q tests/test_fuzz.py

# Render the cheat sheet's first page and its most code-heavy page to PNG (needs pdftoppm)
preview *args:
    {{bin}}/python tools/preview.py {{args}}

# README pictures from the sample (a PDF page, a card front and back) into docs/img/
screenshots:
    {{bin}}/python tools/screenshots.py
