using Workers.Queue;

namespace Tests.Queue.Admission;

/// <summary>How far each pass reads a strict queue: about twice what the last pass admitted, within its bounds.</summary>
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
}
