# SPDX-License-Identifier: MIT
#
# doc/: manual pages and guides.
#
# The manual pages are written in mdoc(7) directly, so the tarball builds and
# installs them without any tool.  `make check` lints them
# (tests/docs/man-lint.sh), runs every configuration example of the pages and the
# guides through the real configuration loader (tests/docs/man-examples.sh), and
# checks that every command, option and configuration key of the code is
# documented (tests/docs/doc-coverage.sh).
#
# Conventions the tests rely on:
#   - in a manual page, a literal display that is a complete mailoauth
#     configuration follows the comment line  .\" example: config
#   - in a guide, every ```ini fenced block is a complete mailoauth
#     configuration.

dist_man_MANS = \
	doc/mailoauth.1 \
	doc/mailoauth-connect.1 \
	doc/mailoauth.conf.5 \
	doc/mailoauth-sasl.7

guides = \
	doc/entra-app-registration.md \
	doc/clients.md \
	doc/postfix.md \
	doc/troubleshooting.md \
	doc/monitoring.md \
	doc/sasl-plugin.md \
	doc/protocol.md \
	doc/internals.md

dist_doc_DATA = README.md $(guides)

