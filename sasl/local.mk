# SPDX-License-Identifier: MIT
#
# sasl/: the Cyrus SASL client plugin libmailoauth.so.
