#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Rewrites a mailoauth token file the way a test needs it, keeping its
owner and mode 0600 and replacing it atomically (as the store itself does).

    store-edit.py FILE stale          the access token expired a minute ago
    store-edit.py FILE token TOKEN    this access token, valid for 50 min
                                      (and not marked refused)
    store-edit.py FILE expire SECS    the access token expires in SECS
"""
import json
import os
import sys
import time


def main():
    path, what = sys.argv[1], sys.argv[2]
    st = os.stat(path)
    with open(path) as f:
        d = json.load(f)
    if what == "stale":
        d["expires_at"] = int(time.time()) - 60
    elif what == "token":
        d["access_token"] = sys.argv[3]
        d["expires_at"] = int(time.time()) + 3000
        d.pop("refused_at", None)
    elif what == "expire":
        d["expires_at"] = int(time.time()) + int(sys.argv[3])
    else:
        sys.exit("store-edit.py: unknown edit %r" % what)
    tmp = path + ".edit"
    with open(tmp, "w") as f:
        json.dump(d, f)
    os.chmod(tmp, 0o600)
    os.chown(tmp, st.st_uid, st.st_gid)
    os.rename(tmp, path)


if __name__ == "__main__":
    main()
