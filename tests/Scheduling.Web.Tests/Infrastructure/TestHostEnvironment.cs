using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace Scheduling.Web.Tests.Infrastructure;

/// <summary>A development host environment rooted at a test's own folder, for services registered without a host.</summary>
internal sealed class TestHostEnvironment(string root) : IHostEnvironment
{
    public string EnvironmentName { get; set; } = Environments.Development;
    public string ApplicationName { get; set; } = "Scheduling.Web";
    public string ContentRootPath { get; set; } = root;
    public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
}
