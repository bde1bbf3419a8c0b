package ai.molecule.billingguard.cluster;

import ai.molecule.billingguard.metrics.Metrics;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ListOptions;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.dsl.internal.AbstractWatchManager;
import io.fabric8.kubernetes.client.informers.impl.ListerWatcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How an informer lists and watches: in pages, each page bounded by a timeout of its own, and a
 * failed page asked for again with the same continue token (resuming the list) before the whole
 * list is given up.
 *
 * <p>What fabric8 8 does by itself: with a limit, its informer lists page by page (following
 * {@code continue}) and puts each page into the cache as it arrives; if any page fails, it lists
 * again from the first page after a back-off (its watch reconnect interval, 1 s, doubled per
 * failure up to 32 s). What this class adds: the page size; a page timeout that is not the
 * client's request timeout; and up to {@link #PAGE_RETRIES} retries of a failed page with its
 * continue token (back-off from {@code firstBackoff}, doubling, at most 8 s), so a timeout or a
 * 5xx on page 150 of 200 costs one page, not 150. A continue token the API server no longer
 * accepts (410 Gone, after about five minutes) cannot be resumed: the list starts over, as it must
 * to stay consistent. Authorization and other client errors start over too (after fabric8's
 * back-off), since repeating the same page would not help.
 *
 * <p>Counts list restarts (a list begun again from the first page), watch restarts (a watch begun
 * again after a new list) and page retries in {@link Metrics}.
 */
final class PagedLister<T extends HasMetadata, L> implements ListerWatcher<T, L> {
    private static final Logger LOG = LoggerFactory.getLogger(PagedLister.class);
    static final int PAGE_RETRIES = 6;
    private static final long MAX_BACKOFF_MILLIS = 8_000;

    private final ListerWatcher<T, L> delegate;
    private final String informer;
    private final long pageSize;
    private final Duration pageTimeout;
    private final Duration firstBackoff;
    private final Metrics metrics;
    private final AtomicLong listStarts = new AtomicLong();
    private final AtomicLong watchStarts = new AtomicLong();

    /**
     * @param delegate     fabric8's own list and watch of the resource (its label and field selectors)
     * @param informer     the informer's name in logs and metrics ({@link Metrics#INFORMERS})
     * @param firstBackoff wait before the first retry of a page
     */
    PagedLister(ListerWatcher<T, L> delegate, String informer, int pageSize, Duration pageTimeout,
                Duration firstBackoff, Metrics metrics) {
        this.delegate = delegate;
        this.informer = informer;
        this.pageSize = pageSize;
        this.pageTimeout = pageTimeout;
        this.firstBackoff = firstBackoff;
        this.metrics = metrics;
    }

    @Override
    public CompletableFuture<L> submitList(ListOptions options) {
        if (options.getContinue() == null && listStarts.getAndIncrement() > 0) {
            metrics.informerListRestart(informer);
        }
        return page(options, 0);
    }

    private CompletableFuture<L> page(ListOptions options, int retry) {
        CompletableFuture<L> page;
        try {
            page = delegate.submitList(options).orTimeout(pageTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            page = CompletableFuture.failedFuture(e);
        }
        return page.handle((list, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(list);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (retry >= PAGE_RETRIES || !resumable(cause)) {
                return CompletableFuture.<L>failedFuture(cause);
            }
            long backoff = Math.min(MAX_BACKOFF_MILLIS, firstBackoff.toMillis() << retry);
            metrics.informerPageRetry(informer);
            LOG.atWarn().addKeyValue("informer", informer).addKeyValue("resuming", options.getContinue() != null)
                    .log("list page failed: {}; asking for the same page again in {} ms",
                            ApiErrors.cause(cause, pageTimeout), backoff);
            return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS))
                    .thenCompose(ignored -> page(options, retry + 1));
        }).thenCompose(f -> f);
    }

    /** Worth asking for the same page again: the API server was slow, unreachable or overloaded. */
    static boolean resumable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException || t instanceof IOException) {
                return true;
            }
            if (t instanceof KubernetesClientException k && k.getCode() > 0) {
                return k.getCode() == 429 || k.getCode() >= 500;
            }
        }
        return false;
    }

    @Override
    public CompletableFuture<AbstractWatchManager<T>> submitWatch(ListOptions options, Watcher<T> watcher) {
        if (watchStarts.getAndIncrement() > 0) {
            metrics.informerWatchRestart(informer);
        }
        return delegate.submitWatch(options, watcher);
    }

    @Override
    public Long getLimit() {
        return pageSize;
    }

    @Override
    public int getWatchReconnectInterval() {
        return delegate.getWatchReconnectInterval();
    }

    @Override
    public String getApiEndpointPath() {
        return delegate.getApiEndpointPath();
    }

    @Override
    public Config getConfig() {
        return delegate.getConfig();
    }
}
