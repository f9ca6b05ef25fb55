/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the CNI protocol parsers (core/cni): the CNI_* environment and the
 * network config.  Input: "K=V\nK=V\n...\0<config JSON>"; without a NUL byte the whole input is
 * the config and the environment is a fixed ADD.  The config is parsed for every command, the
 * parsed requests and prevResult go through the result builder, the error JSON is built from
 * whatever message came out (it must be valid UTF-8-safe JSON input for jansson).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cni.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENV 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *fixed_env[] = {"CNI_COMMAND=ADD", "CNI_CONTAINERID=fuzz", "CNI_NETNS=/x", "CNI_IFNAME=net1", NULL};
	const uint8_t *nul = memchr(data, 0, size);
	char *envbuf = NULL, *envp[MAX_ENV + 1];
	const char *conf = (const char *)data;
	size_t conflen = size;
	struct rp_cni_env env;
	struct rp_err e;
	char **ep = fixed_env;

	if (nul) {
		size_t n = (size_t)(nul - data), k = 0;
		char *save = NULL, *line;
		envbuf = malloc(n + 1);
		if (!envbuf)
			return 0;
		memcpy(envbuf, data, n);
		envbuf[n] = '\0';
		for (line = strtok_r(envbuf, "\n", &save); line && k < MAX_ENV; line = strtok_r(NULL, "\n", &save))
			envp[k++] = line;
		envp[k] = NULL;
		ep = envp;
		conf = (const char *)nul + 1;
		conflen = size - n - 1;
	}
	memset(&e, 0, sizeof(e));
	if (rp_cni_env_parse(ep, &env, &e) != 0) {
		json_t *j = rp_cni_error_json(NULL, rp_cni_code_from_err(&e), e.msg, NULL);
		json_decref(j);
	}

	for (int cmd = RP_CNI_CMD_ADD; cmd <= RP_CNI_CMD_VERSION; cmd++) {
		struct rp_cni_conf c;
		int ret;

		memset(&e, 0, sizeof(e));
		ret = rp_cni_conf_parse(conf, conflen, cmd, &c, &e);
		if (ret == 0) {
			json_t *res = rp_cni_result_new(c.cni_version);
			for (uint32_t i = 0; res && i < c.nreq; i++)
				rp_cni_result_add_ip(res, c.version, &c.req[i].ip, c.req[i].prefix, NULL);
			for (uint32_t i = 0; res && i < c.nprev; i++)
				rp_cni_result_add_route(res, &c.prev[i].ip, c.prev[i].prefix, &c.prev[i].ip);
			for (uint32_t i = 0; i < c.nvalid; i++)
				if (!rp_cni_conf_valid_has(&c, c.valid[i].container_id, c.valid[i].ifname))
					abort(); /* every listed attachment must be found */
			json_decref(res);
		} else {
			json_t *j = rp_cni_error_json(c.cni_version, rp_cni_code_from_err(&e), e.msg, NULL);
			if (!e.cni_code)
				abort(); /* every config failure carries a CNI code */
			json_decref(j);
		}
		rp_cni_conf_free(&c);
	}
	free(envbuf);
	return 0;
}
