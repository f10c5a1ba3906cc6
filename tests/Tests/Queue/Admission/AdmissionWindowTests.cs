using Workers.Queue;

namespace Tests.Queue.Admission;

/// <summary>How far each pass reads a strict queue (about twice what the last pass admitted, within its bounds), and when
/// a pass reads all of it.</summary>
public sealed class AdmissionWindowTests
{
    [Theory]
    [InlineData(1000, 0, 64)]      // nothing admitted lately: the least
    [InlineData(1000, 8, 64)]
    [InlineData(1000, 150, 300)]   // a burst: twice the last pass
    [InlineData(1000, 900, 1000)]  // never past Queue:PlanWindow
    [InlineData(10, 0, 10)]        // a plan window under the least is the window
    [InlineData(10, 7, 10)]
    public void The_next_window_is_twice_the_last_admission_within_its_bounds(int planWindow, int lastAdmitted, int expected)
    {
        var cache = new AdmissionCache();
        cache.PassAdmitted(lastAdmitted);
        Assert.Equal(expected, cache.Window(planWindow));
    }

    [Fact]
    public void A_window_that_keeps_filling_grows_to_the_plan_window()
    {
        var cache = new AdmissionCache();
        var windows = new List<int>();
        for (var pass = 0; pass < 6; pass++)
        {
            var window = cache.Window(1000);
            windows.Add(window);
            cache.PassAdmitted(window); // every job read fitted: the plan was cut at the window's end
        }
        Assert.Equal([64, 128, 256, 512, 1000, 1000], windows);
    }

    static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    static readonly DateTimeOffset Start = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_first_pass_takes_a_whole_round_and_then_one_per_interval()
    {
        var cache = new AdmissionCache();
        Assert.True(cache.TakeReasonRound(Start, Interval));
        Assert.False(cache.TakeReasonRound(Start + TimeSpan.FromSeconds(4.9), Interval));
        Assert.True(cache.TakeReasonRound(Start + TimeSpan.FromSeconds(5), Interval));
        Assert.False(cache.TakeReasonRound(Start + TimeSpan.FromSeconds(5), Interval));
    }

    [Fact]
    public void While_passes_keep_admitting_a_due_round_waits_for_a_pass_that_admitted_nothing()
    {
        var cache = new AdmissionCache();
        Assert.True(cache.TakeReasonRound(Start, Interval));
        cache.PassAdmitted(40);
        Assert.False(cache.TakeReasonRound(Start + TimeSpan.FromSeconds(6), Interval));
        Assert.False(cache.TakeReasonRound(Start + TimeSpan.FromSeconds(30), Interval));
        cache.PassAdmitted(0);
        Assert.True(cache.TakeReasonRound(Start + TimeSpan.FromSeconds(31), Interval));
    }

    [Fact]
    public void A_round_waits_at_most_the_longest_delay_however_busy_the_passes()
    {
        var cache = new AdmissionCache();
        Assert.True(cache.TakeReasonRound(Start, Interval));
        cache.PassAdmitted(40);
        var due = Start + Interval;
        Assert.False(cache.TakeReasonRound(due + (AdmissionCache.MaxRoundDelay - 1) * Interval - TimeSpan.FromMilliseconds(1), Interval));
        Assert.True(cache.TakeReasonRound(due + (AdmissionCache.MaxRoundDelay - 1) * Interval, Interval));
    }
}
