# SPDX-License-Identifier: MIT
#
# plugin/: the connection plugin (mailoauth connect) and mailoauth check.
