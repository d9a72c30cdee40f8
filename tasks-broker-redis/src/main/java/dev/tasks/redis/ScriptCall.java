package dev.tasks.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
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

    /**
     * Like {@link #runAll(UnifiedJedis, List)}, with more commands that {@code alongside} queues in the same
     * pipeline after the calls (their responses are complete when this returns).
     */
    static List<Object> runAll(UnifiedJedis jedis, List<ScriptCall> calls, Consumer<AbstractPipeline> alongside) {
        return throwFirstError(runEach(jedis, calls, alongside));
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
    static List<Object> runEach(UnifiedJedis jedis, List<ScriptCall> calls) {
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
        return runEach(jedis, calls, p -> { });
    }

    /**
     * Like {@link #runEach(UnifiedJedis, List)}, with more commands that {@code alongside} queues in the same
     * pipeline after the calls (their responses are complete when this returns).
     */
    static List<Object> runEach(UnifiedJedis jedis, List<ScriptCall> calls, Consumer<AbstractPipeline> alongside) {
        List<Response<Object>> responses = new ArrayList<>(calls.size());
        try (AbstractPipeline p = jedis.pipelined()) {
            for (ScriptCall c : calls) {
                responses.add(p.evalsha(c.script.sha(), c.keys, c.args));
            }
            alongside.accept(p);
            p.sync();
        }
        List<Object> out = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            Object reply;
            try {
                reply = responses.get(i).get();
            } catch (JedisDataException e) {
                if (LuaScript.isNoScript(e)) {
                    ScriptCall c = calls.get(i);
                    try {
                        reply = c.script.eval(jedis, c.keys, c.args);
                    } catch (JedisDataException again) {
                        reply = again;
                    }
                } else {
                    reply = e;
                }
            }
            out.add(reply);
        }
        return out;
    }
}
