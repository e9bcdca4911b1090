using System.Data;
using Dapper;

namespace Odin.Hosting.Storage;

/// <summary>Ids are stored as canonical GUID text in both engines, so one SQL text serves both.</summary>
internal sealed class GuidAsTextHandler : SqlMapper.TypeHandler<Guid>
{
    public override void SetValue(IDbDataParameter parameter, Guid value)
    {
        parameter.DbType = DbType.String;
        parameter.Value = value.ToString();
    }

    public override Guid Parse(object value) => value is Guid guid ? guid : Guid.Parse((string)value);

    private static int _registered;

    /// <summary>Once per process: re-registering would briefly leave Guid unmapped under queries running meanwhile.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        SqlMapper.RemoveTypeMap(typeof(Guid));
        SqlMapper.RemoveTypeMap(typeof(Guid?));
        SqlMapper.AddTypeHandler(new GuidAsTextHandler());
    }
}
