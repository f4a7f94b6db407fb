using PassGrains.Grains;
using PassGrains.Server.Configuration;

namespace PassGrains.Server.Scheduling;

public static class SchedulingHosting
{
    /// <summary>Scheduled changes: the API's rules (<see cref="ScheduledChanges"/>) and the runner the schedule books call at their time.</summary>
    public static WebApplicationBuilder AddScheduling(this WebApplicationBuilder builder)
    {
        builder.AddSettings<ScheduleOptions>(ScheduleOptions.Section);
        builder.Services.AddSingleton<ScheduledChanges>();
        builder.Services.AddSingleton<GroupEnds>();
        builder.Services.AddSingleton<StagedRevisions>();
        builder.Services.AddSingleton<ScheduleRunSlots>();
        builder.Services.AddSingleton<IScheduledChangeRunner, ScheduledChangeRunner>();
        return builder;
    }

    /// <summary>Lets schedule reminders tick every <see cref="ScheduleBookGrain.QuickPeriod"/>: a schedule missed while its silo was down runs that soon after.</summary>
    public static ISiloBuilder AddScheduleReminders(this ISiloBuilder silo) =>
        silo.Configure<Orleans.Hosting.ReminderOptions>(o => o.MinimumReminderPeriod = ScheduleBookGrain.QuickPeriod);
}
