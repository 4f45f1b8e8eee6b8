#!/bin/sh
# The browser the end-to-end tests drive (chromedriver starts this): Debian's
# chromium-headless-shell, Chromium's lighter headless build (same engine, no browser UI
# layer). It opens no page when started without one, and chromedriver passes none, so one blank
# page is asked for.
exec /usr/lib/chromium/chromium-headless-shell "$@" about:blank
