#!/bin/sh
# On removal (not on upgrade), undo what postinst enabled.
set -e
case "$1" in
    remove|purge|0)
        if command -v systemctl >/dev/null 2>&1; then
            systemctl --global disable hanout-sync.service >/dev/null 2>&1 || true
        fi
        ;;
esac
exit 0
