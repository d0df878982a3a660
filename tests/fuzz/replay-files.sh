#!/bin/sh
# replay-files.sh -- replays the files corpus, and the committed files of
# tests/files/, through the .npy and safetensors readers (a crash, leak or
# sanitizer report fails the test).
SRCDIR=${SRCDIR:-.}
exec ./tests/fuzz/replay_files "$SRCDIR/tests/fuzz/corpus-files" "$SRCDIR/tests/files"
