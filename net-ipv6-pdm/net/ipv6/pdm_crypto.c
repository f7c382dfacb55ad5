// SPDX-License-Identifier: GPL-2.0
/*
 * IPv6 Performance and Diagnostic Metrics (PDM): protected PDMv2.
 *
 * The profile (Documentation/networking/pdm.rst, "Protected PDMv2"): AES-GCM
 * with a 16-octet tag, a 12-octet nonce made of a 4-octet salt installed
 * with the key and an 8-octet explicit IV carried in the option, as RFC 4106
 * does for ESP. The IV counts per key from a random start, so no two packets
 * sealed under one key share a nonce, whatever their flow or CPU. Version,
 * Epoch, PSN This Packet and the IV stay in clear; the rest of the option is
 * encrypted; the clear octets and the packet's addresses are authenticated.
 *
 * The transform is allocated and keyed once, in process context, when a key
 * is installed (as net/mac80211/aead_api.c does); sealing and opening only
 * allocate a bounded request, GFP_ATOMIC, and may run in softirq.
 */

#include <crypto/aead.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/unaligned.h>
#include <kunit/visibility.h>
#include "pdm_internal.h"

/* What is authenticated: the addresses, then the option's clear octets. */
#define PDM_AAD_LEN	(2 * sizeof(struct in6_addr) + PDM_V2P_CLEAR_LEN)

/**
 * pdm_key_setup - allocate and key a transform
 * @k: the key, zeroed but for what this sets
 * @key: the AES key
 * @key_len: 16 or 32 octets
 * @salt: PDM_GCM_SALT_LEN octets, the nonce's first
 *
 * Process context. The IV starts at a random value: a key installed again
 * with the same octets starts elsewhere in its 2^64 IVs.
 *
 * Return: 0, -EINVAL for another key length, or the crypto API's error.
 */
int pdm_key_setup(struct pdm_key *k, const u8 *key, unsigned int key_len,
		  const u8 *salt)
{
	struct crypto_aead *tfm;
	u64 start;
	int err;

	if (key_len != 16 && key_len != 32)
		return -EINVAL;
	/* Synchronous only: the request completes before seal or open returns. */
	tfm = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	err = crypto_aead_setkey(tfm, key, key_len);
	if (!err)
		err = crypto_aead_setauthsize(tfm, PDM_GCM_TAG_LEN);
	if (err) {
		crypto_free_aead(tfm);
		return err;
	}
	k->tfm = tfm;
	k->key_len = key_len;
	memcpy(k->salt, salt, PDM_GCM_SALT_LEN);
	start = get_random_u64();
	atomic64_set(&k->iv_next, start);
	k->iv_end = start;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_setup);

/**
 * pdm_key_release - free a key's transform, which zeroes the key schedule
 * @k: the key
 *
 * Process context: no packet may use @k any more.
 */
void pdm_key_release(struct pdm_key *k)
{
	crypto_free_aead(k->tfm);
	k->tfm = NULL;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_release);

/**
 * pdm_key_next_ivs - draw the explicit IVs of the next packets sealed
 * @k: the key
 * @n: how many: a GSO packet's segments, else 1
 * @iv: returns the first; the others follow it
 *
 * IVs drawn on any CPU differ: each range is taken by one
 * compare-and-exchange. The one before the start is never handed out:
 * the counter stops there, and the key is used up for good after
 * 2^64 - 1 IVs.
 *
 * Return: false when fewer than @n are left.
 */
bool pdm_key_next_ivs(struct pdm_key *k, unsigned int n, u64 *iv)
{
	s64 v = atomic64_read(&k->iv_next);

	do {
		if (unlikely(k->iv_end - 1 - (u64)v < n))
			return false;
	} while (!atomic64_try_cmpxchg(&k->iv_next, &v, v + n));
	*iv = v;
	return true;
}
EXPORT_SYMBOL_IF_KUNIT(pdm_key_next_ivs);

/*
 * A request with room after it for the nonce, the AAD and the data: one
 * bounded allocation, as the scatterlists may not point to the stack.
 */
struct pdm_aead_buf {
	u8	nonce[PDM_GCM_SALT_LEN + PDM_GCM_IV_LEN];
	u8	aad[PDM_AAD_LEN];
	u8	data[PDM_V2P_SEALED_LEN + PDM_GCM_TAG_LEN];
};

static struct aead_request *pdm_aead_req(struct pdm_key *k,
					 struct pdm_aead_buf **buf)
{
	unsigned int reqsize = sizeof(struct aead_request) +
			       crypto_aead_reqsize(k->tfm);
	struct aead_request *req;

	req = kmalloc(ALIGN(reqsize, __alignof__(struct pdm_aead_buf)) +
		      sizeof(**buf), GFP_ATOMIC);
	if (!req)
		return NULL;
	*buf = (void *)req + ALIGN(reqsize, __alignof__(struct pdm_aead_buf));
	aead_request_set_tfm(req, k->tfm);
	aead_request_set_callback(req, 0, NULL, NULL);
	return req;
}

static void pdm_aead_prep(struct aead_request *req, struct pdm_aead_buf *b,
			  struct scatterlist *sg, const struct pdm_key *k,
			  const u8 *opt, const struct in6_addr *saddr,
			  const struct in6_addr *daddr, unsigned int cryptlen)
{
	memcpy(b->nonce, k->salt, PDM_GCM_SALT_LEN);
	memcpy(b->nonce + PDM_GCM_SALT_LEN, opt + PDM_V2P_IV_OFF,
	       PDM_GCM_IV_LEN);
	memcpy(b->aad, saddr, sizeof(*saddr));
	memcpy(b->aad + sizeof(*saddr), daddr, sizeof(*daddr));
	memcpy(b->aad + 2 * sizeof(*saddr), opt, PDM_V2P_CLEAR_LEN);
	sg_init_table(sg, 2);
	sg_set_buf(&sg[0], b->aad, sizeof(b->aad));
	sg_set_buf(&sg[1], b->data, sizeof(b->data));
	aead_request_set_ad(req, sizeof(b->aad));
	aead_request_set_crypt(req, sg, sg, cryptlen, b->nonce);
}

/*
 * Seal (@enc) or open @opt with @k: the data, in and out, is @len octets
 * at @data, and @out receives what the operation gives back.
 */
static int pdm_aead_crypt(struct pdm_key *k, const u8 *opt,
			  const struct in6_addr *saddr,
			  const struct in6_addr *daddr, bool enc,
			  const u8 *data, u8 *out, unsigned int out_len)
{
	unsigned int len = enc ? PDM_V2P_SEALED_LEN :
				 PDM_V2P_SEALED_LEN + PDM_GCM_TAG_LEN;
	struct scatterlist sg[2];
	struct aead_request *req;
	struct pdm_aead_buf *b;
	int err;

	req = pdm_aead_req(k, &b);
	if (!req)
		return -ENOMEM;
	memcpy(b->data, data, len);
	pdm_aead_prep(req, b, sg, k, opt, saddr, daddr, len);
	err = enc ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req);
	if (!err)
		memcpy(out, b->data, out_len);
	kfree_sensitive(req);
	return err;
}

/**
 * pdm_seal - encrypt and authenticate a protected PDMv2 option in place
 * @k: the key
 * @opt: PDM_V2P_OPT_SIZE octets: type, length, Version and Epoch, PSN This
 *	Packet written; the PDM_V2P_SEALED_LEN octets to protect at
 *	PDM_V2P_SEALED_OFF
 * @iv: the explicit IV, from pdm_key_next_iv()
 * @saddr: the packet's source address
 * @daddr: its destination address
 *
 * Writes the IV, the ciphertext and the tag. Softirq-safe.
 *
 * Return: 0, or -ENOMEM; @opt is then not to be sent.
 */
int pdm_seal(struct pdm_key *k, u8 *opt, u64 iv,
	     const struct in6_addr *saddr, const struct in6_addr *daddr)
{
	put_unaligned_be64(iv, opt + PDM_V2P_IV_OFF);
	return pdm_aead_crypt(k, opt, saddr, daddr, true,
			      opt + PDM_V2P_SEALED_OFF,
			      opt + PDM_V2P_SEALED_OFF,
			      PDM_V2P_SEALED_LEN + PDM_GCM_TAG_LEN);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_seal);

/**
 * pdm_open - authenticate and decrypt a protected PDMv2 option
 * @k: the key its Epoch selects
 * @opt: the option, PDM_V2P_OPT_SIZE octets, left as it is
 * @saddr: the packet's source address
 * @daddr: its destination address
 * @plain: returns the PDM_V2P_SEALED_LEN decrypted octets
 *
 * Softirq-safe.
 *
 * Return: 0, -EBADMSG when the option is not authentic, or -ENOMEM.
 */
int pdm_open(struct pdm_key *k, const u8 *opt, const struct in6_addr *saddr,
	     const struct in6_addr *daddr, u8 *plain)
{
	return pdm_aead_crypt(k, opt, saddr, daddr, false,
			      opt + PDM_V2P_SEALED_OFF, plain,
			      PDM_V2P_SEALED_LEN);
}
EXPORT_SYMBOL_IF_KUNIT(pdm_open);
