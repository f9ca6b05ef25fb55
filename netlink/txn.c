/* SPDX-License-Identifier: Apache-2.0 */
/* Batched rtnetlink transactions: one sendmsg per commit, ACKs matched by seq, undo stacks. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>

#include "netlink/nl_internal.h"

struct op {
	struct nl_msg *msg;
	struct nl_msg *undo;
	struct rp_nl_txn *undo_to;
	rp_nl_reply_cb cb;
	void *arg;
	int err;    /* kernel's answer (-errno) */
	int cb_err; /* first error a reply callback returned */
	int acked;
	char desc[RP_NL_DESC_MAX];
};

struct rp_nl_txn {
	struct rp_nl_sock *s;
	struct op *ops;
	size_t nops, cap;
	struct op *undo; /* stack: msg + desc; pushed in ACK order, sent newest first */
	size_t nundo, undocap;
};

int rp_nl_errno(int nlerr)
{
	int e = nlerr < 0 ? -nlerr : nlerr;

	switch (e) {
	case 0: return 0;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND: return -ENOENT;
	case NLE_NODEV: return -ENODEV;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_PERM: return -EPERM;
	case NLE_NOACCESS: return -EACCES;
	case NLE_BUSY: return -EBUSY;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_INTR: return -EINTR;
	case NLE_BAD_SOCK: return -EBADF;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_MSG_TRUNC: return -EMSGSIZE;
	case NLE_DUMP_INTR: return -EINTR;
	default: return -EIO;
	}
}

int rp_nl_txn_new(struct rp_nl_sock *s, struct rp_nl_txn **out)
{
	struct rp_nl_txn *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->s = s;
	*out = t;
	return 0;
}

struct rp_nl_sock *rp_nl_txn_sock(const struct rp_nl_txn *t)
{
	return t->s;
}

static void ops_clear(struct op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		nlmsg_free(ops[i].msg);
		nlmsg_free(ops[i].undo);
		ops[i].msg = ops[i].undo = NULL;
	}
}

void rp_nl_txn_forget_undo(struct rp_nl_txn *t)
{
	ops_clear(t->undo, t->nundo);
	t->nundo = 0;
}

void rp_nl_txn_free(struct rp_nl_txn *t)
{
	if (!t)
		return;
	ops_clear(t->ops, t->nops);
	ops_clear(t->undo, t->nundo);
	free(t->ops);
	free(t->undo);
	free(t);
}

size_t rp_nl_txn_pending(const struct rp_nl_txn *t)
{
	return t->nops;
}

size_t rp_nl_txn_undo_depth(const struct rp_nl_txn *t)
{
	return t->nundo;
}

static int grow(struct op **v, size_t *cap, size_t need)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	while (nc < need)
		nc *= 2;
	struct op *nv = realloc(*v, nc * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = nc;
	return 0;
}

int rp_nl_txn_add(struct rp_nl_txn *t, struct nl_msg *msg, struct nl_msg *undo, struct rp_nl_txn *undo_to,
		  rp_nl_reply_cb cb, void *arg, const char *fmt, ...)
{
	struct op *o;
	va_list ap;

	if (!msg || grow(&t->ops, &t->cap, t->nops + 1)) {
		nlmsg_free(msg);
		nlmsg_free(undo);
		return -ENOMEM;
	}
	o = &t->ops[t->nops++];
	memset(o, 0, sizeof(*o));
	o->msg = msg;
	o->undo = undo;
	o->undo_to = undo_to ? undo_to : t;
	o->cb = cb;
	o->arg = arg;
	va_start(ap, fmt);
	vsnprintf(o->desc, sizeof(o->desc), fmt, ap);
	va_end(ap);
	return 0;
}

const char *rp_nl__extack(const struct nlmsghdr *h)
{
	static const struct nla_policy pol[NLMSGERR_ATTR_MAX + 1] = {
		[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
		[NLMSGERR_ATTR_OFFS] = { .type = NLA_U32 },
	};
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *me = NLMSG_DATA(h);
	size_t off, plen = h->nlmsg_len - NLMSG_HDRLEN;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || plen < sizeof(*me))
		return NULL;
	off = sizeof(*me);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += me->msg.nlmsg_len - sizeof(me->msg);
	if (off >= plen)
		return NULL;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)NLMSG_DATA(h) + off), (int)(plen - off),
		      (struct nla_policy *)pol) < 0)
		return NULL;
	return tb[NLMSGERR_ATTR_MSG] ? nla_get_string(tb[NLMSGERR_ATTR_MSG]) : NULL;
}

/* One reply of a batch: the op it answers by seq, its ACK or its data.  @cut: the datagram was
 * longer than the receive slot and @h is the part that arrived (the header at least). */
static void batch_reply(struct rp_nl_sock *s, struct op *ops, size_t n, uint32_t first, const struct nlmsghdr *h,
			bool cut, size_t *pending)
{
	uint32_t idx = h->nlmsg_seq - first;
	struct op *o;

	if (h->nlmsg_pid != s->portid || idx >= n)
		return; /* not ours: a stale reply of an earlier, failed exchange */
	o = &ops[idx];
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *me = NLMSG_DATA(h);
		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int)) || o->acked)
			return;
		o->acked = 1;
		o->err = me->error;
		(*pending)--;
		if (me->error) {
			const char *ext = cut ? NULL : rp_nl__extack(h);
			size_t dl = strlen(o->desc);
			if (ext && *ext)
				snprintf(o->desc + dl, sizeof(o->desc) - dl, ": %s: %s", strerror(-me->error), ext);
			else
				snprintf(o->desc + dl, sizeof(o->desc) - dl, ": %s", strerror(-me->error));
		}
	} else if (h->nlmsg_type != NLMSG_DONE && h->nlmsg_type != NLMSG_NOOP && o->cb && !o->cb_err) {
		o->cb_err = cut ? -EMSGSIZE : o->cb(h, o->arg);
	}
}

/* Send @n ops in one sendmsg and wait for all their ACKs.  Fills op->err/acked.  Returns 0 or a
 * transport error (then ops without an ACK have acked == 0). */
static int batch_xfer(struct rp_nl_sock *s, struct op *ops, size_t n, char *fail, size_t faillen)
{
	struct rp_nl_rx rx[RP_NL_RX_SLOTS];
	size_t total = 0, off = 0, pending = n, slot = RP_NL_ACK_SLOT;
	uint32_t first;
	char *buf;
	ssize_t r;
	int err = 0;

	for (size_t i = 0; i < n; i++) {
		total += NLMSG_ALIGN(nlmsg_hdr(ops[i].msg)->nlmsg_len);
		if (ops[i].cb) /* a request answered with data */
			slot = RP_NL_RX_SLOT;
	}
	buf = calloc(1, total);
	if (!buf) {
		snprintf(fail, faillen, "netlink batch: out of memory");
		return -ENOMEM;
	}
	first = s->seq + 1;
	for (size_t i = 0; i < n; i++) {
		struct nlmsghdr *h = nlmsg_hdr(ops[i].msg);
		h->nlmsg_seq = ++s->seq;
		h->nlmsg_pid = s->portid;
		h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		memcpy(buf + off, h, h->nlmsg_len);
		off += NLMSG_ALIGN(h->nlmsg_len);
		ops[i].acked = 0;
		ops[i].err = 0;
		ops[i].cb_err = 0;
	}
	r = rp_nl__sendmsg(s, buf, total);
	if (r < 0) {
		err = (int)r;
		snprintf(fail, faillen, "netlink sendmsg: %s", strerror(-err));
		goto out;
	}
	while (pending) {
		/* Every slot, not only as many as ops are unanswered: a GET's data comes on top of its
		 * ACK, and MSG_WAITFORONE returns once the queue (this batch, queued by sendmsg) is
		 * empty. */
		int got = rp_nl__recv_batch(s, rx, slot);

		if (got < 0) {
			err = got;
			snprintf(fail, faillen, "netlink recvmsg: %s", strerror(-err));
			goto out;
		}
		for (int k = 0; k < got; k++) {
			bool cut = rx[k].len < 0;
			unsigned int len = (unsigned int)(cut ? -rx[k].len : rx[k].len);
			const struct nlmsghdr *h = rx[k].h;

			for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
				batch_reply(s, ops, n, first, h, false, &pending);
			if (cut && len >= sizeof(*h))
				batch_reply(s, ops, n, first, h, true, &pending);
		}
	}
out:
	free(buf);
	return err;
}

static int push_undo(struct rp_nl_txn *t, struct nl_msg *m, const char *desc)
{
	if (grow(&t->undo, &t->undocap, t->nundo + 1))
		return -ENOMEM;
	struct op *u = &t->undo[t->nundo++];
	memset(u, 0, sizeof(*u));
	u->msg = m;
	size_t dl = strnlen(desc, sizeof(u->desc) - 6);
	memcpy(u->desc, "undo ", 5);
	memcpy(u->desc + 5, desc, dl);
	u->desc[5 + dl] = '\0';
	return 0;
}

static bool gone(int err)
{
	return err == -ENOENT || err == -ENODEV || err == -ESRCH || err == -EADDRNOTAVAIL || err == -ENXIO;
}

static int commit_impl(struct rp_nl_txn *t, bool tolerate_gone, struct rp_err *e)
{
	char fail[RP_NL_DESC_MAX] = "";
	int err, ret = 0;
	size_t n = t->nops;

	if (!n)
		return 0;
	err = batch_xfer(t->s, t->ops, n, fail, sizeof(fail));
	for (size_t i = 0; i < n; i++) {
		struct op *o = &t->ops[i];
		if (o->acked && !o->err && o->undo) {
			/* The descriptions already ended at the op text: no error suffix on success. */
			if (push_undo(o->undo_to, o->undo, o->desc) == 0)
				o->undo = NULL;
			else if (!ret)
				ret = rp_err_set(e, -ENOMEM, "%s: cannot record its undo: out of memory", o->desc);
		}
		if (!ret && o->acked && o->err && !(tolerate_gone && gone(o->err)))
			ret = rp_err_set(e, o->err, "%s", o->desc);
		if (!ret && o->acked && o->cb_err)
			ret = rp_err_set(e, o->cb_err, "%s: bad reply: %s", o->desc, strerror(-o->cb_err));
	}
	if (!ret && err)
		ret = rp_err_set(e, err, "%s (%zu operations, answers incomplete)", fail, n);
	ops_clear(t->ops, n);
	t->nops = 0;
	return ret;
}

int rp_nl_txn_commit(struct rp_nl_txn *t, struct rp_err *e)
{
	return commit_impl(t, false, e);
}

int rp_nl_txn_commit_idempotent(struct rp_nl_txn *t, struct rp_err *e)
{
	return commit_impl(t, true, e);
}

int rp_nl_txn_rollback(struct rp_nl_txn *t, struct rp_err *e)
{
	char fail[RP_NL_DESC_MAX] = "";
	size_t n = t->nundo;
	int err, ret = 0;

	if (!n)
		return 0;
	/* Newest first: rules and routes before the links they refer to. */
	for (size_t i = 0; i < n / 2; i++) {
		struct op tmp = t->undo[i];
		t->undo[i] = t->undo[n - 1 - i];
		t->undo[n - 1 - i] = tmp;
	}
	err = batch_xfer(t->s, t->undo, n, fail, sizeof(fail));
	for (size_t i = 0; i < n && !ret; i++)
		if (t->undo[i].acked && t->undo[i].err && !gone(t->undo[i].err))
			ret = rp_err_set(e, t->undo[i].err, "%s", t->undo[i].desc);
	if (!ret && err)
		ret = rp_err_set(e, err, "rollback: %s", fail);
	ops_clear(t->undo, n);
	t->nundo = 0;
	return ret;
}

int rp_nl_dump(struct rp_nl_sock *s, struct nl_msg *req, rp_nl_reply_cb cb, void *arg,
	       void (*reset)(void *arg), const char *what, struct rp_err *e)
{
	struct nlmsghdr *rq = nlmsg_hdr(req);
	int err = 0, grown = 0;

	rq->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	rq->nlmsg_pid = s->portid;
	for (int attempt = 0;; attempt++) {
		bool done = false, intr = false;
		int cb_err = 0;
		ssize_t r;

		if (attempt == 8) {
			err = rp_err_set(e, -EAGAIN, "dump %s: interrupted by concurrent changes 8 times", what);
			goto out;
		}
		if (attempt && reset)
			reset(arg);
		rq->nlmsg_seq = ++s->seq;
		r = rp_nl__sendmsg(s, rq, rq->nlmsg_len);
		if (r < 0) {
			err = rp_err_set(e, (int)r, "dump %s: sendmsg: %s", what, strerror((int)-r));
			goto out;
		}
		while (!done) {
			size_t want = 0;

			r = rp_nl__recv(s, 0, &want);
			if (r == -EMSGSIZE && !grown++) {
				/* A part longer than the receive area was lost (the area has grown to fit it),
				 * perhaps with the NLMSG_DONE: take what is left without waiting (each read
				 * makes the kernel produce the next part) and run the dump again. */
				while ((r = rp_nl__recv(s, MSG_DONTWAIT, &want)) != -EAGAIN && r != -EWOULDBLOCK)
					if (r < 0 && r != -EMSGSIZE)
						break;
				intr = true;
				break;
			}
			if (r < 0) {
				err = rp_err_set(e, (int)r, "dump %s: recvmsg: %s%s", what, strerror((int)-r),
						 r == -EMSGSIZE ? " (a reply part kept outgrowing the receive buffer)" : "");
				goto out;
			}
			unsigned int len = (unsigned int)r;
			for (struct nlmsghdr *h = s->rx; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
				if (h->nlmsg_pid != s->portid || h->nlmsg_seq != rq->nlmsg_seq)
					continue;
				if (h->nlmsg_flags & NLM_F_DUMP_INTR)
					intr = true;
				if (h->nlmsg_type == NLMSG_DONE) {
					done = true;
					if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(int)) && *(int *)NLMSG_DATA(h) < 0) {
						int de = *(int *)NLMSG_DATA(h);
						err = rp_err_set(e, de, "dump %s: %s", what, strerror(-de));
						goto out;
					}
					break;
				}
				if (h->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *me = NLMSG_DATA(h);
					const char *ext = rp_nl__extack(h);
					err = rp_err_set(e, me->error ? me->error : -EIO, "dump %s: %s%s%s", what,
							 strerror(-me->error), ext ? ": " : "", ext ? ext : "");
					goto out;
				}
				if (!intr && !cb_err && cb)
					cb_err = cb(h, arg);
			}
		}
		if (intr)
			continue;
		if (cb_err) {
			err = rp_err_set(e, cb_err, "dump %s: bad reply: %s", what, strerror(-cb_err));
			goto out;
		}
		break;
	}
out:
	nlmsg_free(req);
	return err;
}
