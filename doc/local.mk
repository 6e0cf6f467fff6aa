# SPDX-License-Identifier: MIT
#
# doc/: manual pages and guides.
