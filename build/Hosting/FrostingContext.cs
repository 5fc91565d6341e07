using Cake.Core;

namespace AlpineMirror.Build.Hosting;

/// <summary>Base of a typed build context: every Cake alias works on it, as in Cake.Frosting.</summary>
public class FrostingContext(ICakeContext context) : CakeContextAdapter(context);
