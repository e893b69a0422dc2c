# One line a test of a `cargo test` log: "<suite> <test> <ok|FAILED|ignored>".

/^ *Running / { suite = $2; if (match($0, /deps\/[A-Za-z0-9_]+-/)) suite = suite "@" substr($0, RSTART + 5, RLENGTH - 6) }
/^ *Doc-tests / { suite = "doc@" $2 }
/^test .* \.\.\. (ok|FAILED|ignored)/ {
  line = $0; sub(/^test /, "", line); status = line; sub(/.* \.\.\. /, "", status); sub(/ \.\.\. .*/, "", line)
  gsub(/ - compile( fail)?/, "", line)
  print suite " " line " " status
}
