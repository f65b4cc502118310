#!/bin/sh
# Every symbol an object defines for the linker must carry the kvs_ prefix (kvs__ internals
# included), so the header can be dropped into any program without clashes.
# Usage: tools/check_symbols.sh FILE.o...
status=0
for o in "$@"; do
  bad=$(nm -g --defined-only "$o" | awk 'NF >= 3 { print $3 }' | grep -v '^kvs_')
  if [ -n "$bad" ]; then
    echo "$o: symbols without the kvs_ prefix:"
    echo "$bad" | sed 's/^/  /'
    status=1
  else
    echo "$o: $(nm -g --defined-only "$o" | awk 'NF >= 3' | wc -l) exported symbols, all prefixed"
  fi
done
exit $status
