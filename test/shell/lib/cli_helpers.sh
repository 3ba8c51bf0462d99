# Helpers of the command-line client's shell tests (cli.sh,
# cli_into_table.sh); source it after setting HAMILTON and tmp.

fail() { echo "FAILED: $*"; exit 1; }
show() { echo "--- stdout:"; cat "$tmp/out"; echo "--- stderr:"; cat "$tmp/err"; }

# expect STATUS ARGS...: run hamilton ARGS, stdout to $tmp/out, stderr to
# $tmp/err; it must exit with STATUS.
expect() {
    local want=$1 got=0
    shift
    "$HAMILTON" "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
    [ "$got" = "$want" ] || { show; fail "hamilton $* exited $got, expected $want"; }
}
# has FILE ERE: a line of FILE matches.  lacks FILE ERE: none does.
has() { grep -qE -- "$2" "$1" || { show; fail "no line of $(basename "$1") matches /$2/"; }; }
lacks() { ! grep -qE -- "$2" "$1" || { show; fail "a line of $(basename "$1") matches /$2/"; }; }
# error_is ERE: stderr is one self-contained error line matching ERE,
# followed by nothing but hint lines.
error_is() {
    head -n 1 "$tmp/err" | grep -qE -- "^hamilton: error: $1" || { show; fail "the error is not /$1/"; }
    [ "$(grep -c '^hamilton: error: ' "$tmp/err")" = 1 ] || { show; fail "more than one error line"; }
    [ "$(grep -vc '^hamilton: hint: ' "$tmp/err")" = 1 ] || { show; fail "stray lines on stderr"; }
}
sql() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
