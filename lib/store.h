/* SPDX-License-Identifier: MIT */
#ifndef MAILOAUTH_STORE_H
#define MAILOAUTH_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The token store: one JSON file per account, STATE_DIR/ACCOUNT.json, mode
 * 0600 in a 0700 directory, always replaced atomically (temporary file in
 * the same directory, write, fsync, rename, fsync the directory).
 *
 * Readers never lock: a rename is atomic, so a reader sees the old or the
 * new file, never a mix.  Writers hold the account's lock
 * (STATE_DIR/ACCOUNT.lock, flock) across read -> decide -> refresh -> write
 * so that concurrent callers cause one refresh.
 *
 * The file, version 1:
 *   { "version": 1, "account": "...", "client_id": "...",
 *     "refresh_token": "...", "refresh_obtained_at": 1700000000,
 *     "access_token": "...", "token_type": "Bearer",
 *     "expires_at": 1700003599, "obtained_at": 1700000000,
 *     "scope": "https://outlook.office.com/POP.AccessAsUser.All ...",
 *     "identity": "user@contoso.example", "tenant_id": "...",
 *     "object_id": "...", "refused_at": 1700000100 }
 * Every member but "version" is optional.  Times are 64-bit Unix seconds.
 * "refused_at" is set when a mail server refused the stored access token
 * although it had not expired (revoked early, or a copied store): such a
 * token is never handed out again, the next user refreshes it, and a new
 * access token clears the mark.
 *
 * Version 2 is the same object with the refresh token encrypted: no
 * "refresh_token" member but "sealed", an opaque base64url string that only
 * mailoauth-net opens (lib/storecrypt.h, mailoauth.conf(5) "STORE
 * ENCRYPTION").  This loader does not decrypt: the access token stays
 * readable for the fast path, which must not load OpenSSL.
 */
struct mo_token {
	char *refresh_token;
	char *access_token;
	char *token_type;
	char *scope;
	char *client_id;
	char *identity;		/* preferred_username of the signed-in user */
	char *tenant_id;
	char *object_id;
	char *sealed;		/* version 2: the encrypted long-lived members
				   (storecrypt.h); NULL in a plain store */
	int64_t expires_at;	/* 0: unknown */
	int64_t obtained_at;
	int64_t refresh_obtained_at;
	int64_t refused_at;	/* 0: not refused by a mail server */
};

/* Largest store file we read. */
#define MO_STORE_MAX (256 * 1024)

/* Wipes every secret and frees every member; t is zeroed. */
void mo_token_clear(struct mo_token *t);

/* True when the access token exists, no mail server refused it
 * (refused_at is 0) and it is valid for more than margin seconds after
 * now. */
bool mo_token_fresh(const struct mo_token *t, int64_t now, long margin);

/* Path of ACCOUNT's file in dir (malloc'd), or NULL when out of memory. */
char *mo_store_path(const char *dir, const char *account);

/*
 * Loads ACCOUNT's tokens.  Returns MO_OK, MO_ERR_NOENT (nothing stored yet),
 * MO_ERR_PERM (the directory or file is accessible to others or owned by
 * someone else; *error_r contains the chmod command that fixes it),
 * MO_ERR_PARSE (corrupt file), MO_ERR_IO, MO_ERR_NOMEM or MO_ERR_INVAL
 * (account is not a valid account name, see mailoauth.conf(5)).  *error_r
 * is malloc'd.
 */
int mo_store_load(const char *dir, const char *account, struct mo_token *t,
		  char **error_r);

/*
 * Like mo_store_load(), from the state directory already opened as dirfd
 * (a process that chroots after opening it: Postfix); dir names it in
 * messages.  dirfd is checked like the directory and left open.
 */
#define MO_HAVE_STORE_LOAD_AT 1
int mo_store_load_at(int dirfd, const char *dir, const char *account,
		     struct mo_token *t, char **error_r);

/* Parses the text of a store file (for tests and fuzzing). */
int mo_store_parse(const char *text, size_t len, struct mo_token *t,
		   const char **error_r);

/* Serialises t to JSON (malloc'd; free with mo_free_secret()). */
char *mo_store_serialise(const char *account, const struct mo_token *t);

/*
 * Creates dir (0700, with parents) when missing and replaces ACCOUNT's file
 * atomically, through the directory descriptor that was checked
 * (mo_private_dir_open(), mo_dir_replace()): a symbolic link in place of
 * dir or of the file is refused (MO_ERR_PERM).  Returns MO_OK, MO_ERR_PERM, MO_ERR_IO, MO_ERR_NOMEM or
 * MO_ERR_INVAL (an invalid account name, or a member the file could not
 * hold: a token outside 0x21-0x7e, a control character, a negative time);
 * on failure the previous file is untouched.
 */
int mo_store_save(const char *dir, const char *account,
		  const struct mo_token *t, char **error_r);

/* Overwrites the file's contents with zeros, fsyncs and removes it, through
 * the checked directory descriptor.  MO_ERR_NOENT when nothing was stored,
 * MO_ERR_PERM when dir or the file is a symbolic link or not private. */
int mo_store_remove(const char *dir, const char *account, char **error_r);

/*
 * Takes ACCOUNT's exclusive lock, waiting up to timeout_s seconds.  Returns
 * MO_OK with *fd_r set, MO_ERR_TIMEOUT, MO_ERR_PERM or MO_ERR_IO.
 */
int mo_store_lock(const char *dir, const char *account, int timeout_s,
		  int *fd_r, char **error_r);
void mo_store_unlock(int fd);

#endif
