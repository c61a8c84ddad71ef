package io.vectorstream.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vectorstream.http.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SearchAdmissionTest {

    @Test
    void aSearchPastTheLimitWaitsBrieflyThenIsRefusedWith429() {
        SearchAdmission admission = new SearchAdmission(2);
        SearchAdmission.Place first = admission.single();
        SearchAdmission.Place second = admission.single();
        long start = System.nanoTime();
        Refusal refused = assertThrows(Refusal.class, admission::single);
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(Refusal.Reason.OVERLOADED, refused.reason());
        assertEquals(429, ApiException.of(refused).status());
        assertTrue(waitedMillis >= SearchAdmission.WAIT.toMillis() - 1, "it waited for a place first: "
                + waitedMillis + " ms");
        first.close();
        admission.single().close(); // the place is free again
        second.close();
    }

    @Test
    void aWaitingSearchTakesThePlaceFreedWhileItWaits() throws Exception {
        SearchAdmission admission = new SearchAdmission(1);
        SearchAdmission.Place held = admission.single();
        CompletableFuture<SearchAdmission.Place> waiting = CompletableFuture.supplyAsync(admission::single);
        held.close();
        waiting.get(5, TimeUnit.SECONDS).close();
    }

    @Test
    void batchesLeaveAQuarterOfThePlacesToSingleSearchesAndNeverWait() {
        SearchAdmission admission = new SearchAdmission(8);
        List<SearchAdmission.Place> batch = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            batch.add(admission.batch());
        }
        long start = System.nanoTime();
        assertThrows(Refusal.class, admission::batch, "two places left: they are for single searches");
        assertTrue(System.nanoTime() - start < SearchAdmission.WAIT.toNanos(), "a batch does not wait");
        SearchAdmission.Place single = admission.single();
        SearchAdmission.Place another = admission.single();
        assertThrows(Refusal.class, admission::single);
        single.close();
        another.close();
        batch.forEach(SearchAdmission.Place::close);
        admission.batch().close();
        // Fewer than four places keep none back: a batch takes any that is free.
        SearchAdmission one = new SearchAdmission(1);
        one.batch().close();
        try (SearchAdmission.Place held = one.single()) {
            assertThrows(Refusal.class, one::batch);
        }
    }

    @Test
    void aSearchWaitingOnPeersGivesItsPlaceBackAndTakesOneAgainBeforeItWorks() {
        SearchAdmission admission = new SearchAdmission(1);
        try (SearchAdmission.Place waiting = admission.single()) {
            AtomicReference<String> meanwhile = new AtomicReference<>();
            waiting.during(() -> {
                try (SearchAdmission.Place other = admission.single()) {
                    meanwhile.set("admitted");
                }
            });
            assertEquals("admitted", meanwhile.get(), "another search ran while the first only waited");
            assertThrows(Refusal.class, admission::single, "the first holds its place again");
        }
        // No place free when it comes back: it goes on without one, and gives none back.
        SearchAdmission.Place first = admission.single();
        first.leave();
        SearchAdmission.Place second = admission.single();
        first.rejoin();
        assertThrows(Refusal.class, admission::single, "the second still holds the only place");
        second.close();
        first.leave();
        first.close(); // a place given back is not given back twice
        SearchAdmission.Place only = admission.single();
        assertThrows(Refusal.class, admission::single, "one place, not two");
        only.close();
    }

    @Test
    void aBatchSearchComingBackFromAWaitLeavesTheReservedPlacesToSingleSearches() {
        SearchAdmission admission = new SearchAdmission(8);
        SearchAdmission.Place batch = admission.batch();
        batch.leave();
        List<SearchAdmission.Place> singles = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            singles.add(admission.single());
        }
        batch.rejoin(); // two free: the quarter kept for single searches
        singles.add(admission.single());
        singles.add(admission.single());
        assertThrows(Refusal.class, admission::single, "eight singles hold all eight places");
        batch.close();
        singles.forEach(SearchAdmission.Place::close);
        admission.batch().close();
    }
}
