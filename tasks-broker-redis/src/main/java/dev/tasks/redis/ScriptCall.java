package dev.tasks.redis;

import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;

/** One script invocation; several are sent in one pipeline by {@link #runAll}. */
record ScriptCall(LuaScript script, List<String> keys, List<String> args) {

    /**
     * Runs the calls in one round trip (a pipeline; one command when there is only one) and returns their
     * replies in order. Calls answered with {@code NOSCRIPT} did not run: the script is loaded and they are
     * run again. Any other error is thrown after the pipeline completed.
     */
    static List<Object> runAll(UnifiedJedis jedis, List<ScriptCall> calls) {
        return throwFirstError(runEach(jedis, calls));
    }

    private static List<Object> throwFirstError(List<Object> replies) {
        for (Object reply : replies) {
            if (reply instanceof JedisDataException e) {
                throw e;
            }
        }
        return replies;
    }

    /**
     * Like {@link #runAll}, but an error reply of one call does not fail the others: each call's reply is
     * returned in order, or the {@link JedisDataException} the server answered it with. A failure of the
     * round trip itself (connection) is thrown.
     */
    private static List<Object> runEach(UnifiedJedis jedis, List<ScriptCall> calls) {
        if (calls.size() == 1) {
            ScriptCall c = calls.get(0);
            Object reply;
            try {
                reply = c.script.eval(jedis, c.keys, c.args);
            } catch (JedisDataException e) {
                reply = e;
            }
            return java.util.Collections.singletonList(reply);
        }
        return pipelined(jedis, calls);
    }

    /** Queues this call in {@code p} by SHA ({@code EVALSHA}); {@link #reply} reads its answer. */
    Response<Object> queue(AbstractPipeline p) {
        return p.evalsha(script.sha(), keys, args);
    }

    /**
     * The reply to this call queued with {@link #queue}: when the server answered {@code NOSCRIPT} the
     * call did not run, so the script is loaded and the call run again.
     *
     * @throws JedisDataException any other error reply
     */
    Object reply(UnifiedJedis jedis, Response<Object> response) {
        try {
            return response.get();
        } catch (JedisDataException e) {
            if (!LuaScript.isNoScript(e)) {
                throw e;
            }
            return script.eval(jedis, keys, args);
        }
    }

    private static List<Object> pipelined(UnifiedJedis jedis, List<ScriptCall> calls) {
        List<Response<Object>> responses = new ArrayList<>(calls.size());
        try (AbstractPipeline p = jedis.pipelined()) {
            for (ScriptCall c : calls) {
                responses.add(c.queue(p));
            }
            p.sync();
        }
        List<Object> out = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            try {
                out.add(calls.get(i).reply(jedis, responses.get(i)));
            } catch (JedisDataException e) {
                out.add(e);
            }
        }
        return out;
    }
}
